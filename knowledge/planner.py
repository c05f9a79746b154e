"""Route planning: from a route and the citizen's situation answers to a tailored plan.

The plan lists the applicable steps in dependency order, groups those that can run at the same
time (并联), measures the total time along the critical path rather than the sum, and merges the
materials of all steps so a document needed by several steps is handed in once (一表通).
"""
from __future__ import annotations

from itertools import product

from pydantic import BaseModel, Field

from knowledge.catalogue import Catalogue
from knowledge.schema import Item, Route
from knowledge.schema.item import Necessity
from knowledge.schema.route import Step, condition_holds
from knowledge.wording.costs import describe_costs


class PlanError(ValueError):
    """The answers do not fit the route (unknown question or option)."""


class PlannedStep(BaseModel):
    number: int
    id: str
    item_id: str
    title: str
    department: str
    window: str | None
    address: str
    stage: str | None
    phase: int = Field(description="并联批次：同一批次的步骤可同时办理")
    depends_on: list[str]
    promised_days: int
    promised_sample: bool = Field(False, description="承诺时限为示例值，说出时须带（示例）")
    statutory_days: int | None
    start_day: int = Field(description="最早开始：第几个工作日之后")
    finish_day: int
    critical: bool
    visits: int
    online: bool
    fully_online: bool
    fee: str
    result: str
    delivery: list[str]
    validity: str | None = Field(None, description="结果证照的有效期（事项写明时）")
    note: str | None = None
    time_note: str | None = Field(None, description="事项的时限说明（如公告期、公示期）")


class MaterialView(BaseModel):
    """A material as the citizen hands it in: what, in which form, how many, and whether it may wait."""
    name: str
    form: str
    copies: int
    necessity: str
    deferral_days: int | None
    condition: str | None
    commitment: bool


class PlannedMaterial(MaterialView):
    steps: list[int] = Field(description="用于哪些步骤（序号）")
    provided_by_step: int | None = Field(None, description="由第几步办结后取得，无需自备")


class OpenQuestion(BaseModel):
    id: str
    text: str
    help: str | None
    options: list[dict]


class Plan(BaseModel):
    route_id: str
    route_name: str
    summary: str
    answers: dict[str, str]
    answer_labels: dict[str, str]
    open_questions: list[OpenQuestion]
    steps: list[PlannedStep]
    conditional_steps: list[str] = Field(description="取决于尚未回答的问题的步骤")
    phases: list[list[int]]
    total_promised_days: int
    promised_sample: bool = Field(False, description="总承诺时限含示例值，说出时须带（示例）")
    total_statutory_days: int | None
    sum_promised_days: int
    critical_path: list[int]
    visits: int
    materials: list[PlannedMaterial]
    deferrable: list[PlannedMaterial]
    online_steps: list[int]
    mailable_steps: list[int]
    fees: list[str]
    notes: list[str]


def open_questions(route: Route, answers: dict[str, str]) -> list[OpenQuestion]:
    """Questions still to ask, in order; a question whose own condition fails is not asked."""
    return [
        OpenQuestion(
            id=q.id, text=q.text, help=q.help,
            options=[{"value": o.value, "label": o.label} for o in q.options],
        )
        for q in route.questions
        if q.id not in answers and condition_holds(q.when, answers)
    ]


def pending_questions(route: Route, answers: dict[str, str]) -> set[str]:
    """Unanswered questions that may still be asked: a question whose own condition already
    failed will never be asked, so steps that depend on it are simply skipped, not left open."""
    pending: set[str] = set()
    for q in route.questions:  # conditions only look at earlier questions, so one pass suffices
        if q.id in answers:
            continue
        refs = set(q.when or {})
        if refs & pending or condition_holds(q.when, answers):
            pending.add(q.id)
    return pending


def effective_answers(route: Route, answers: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Drops answers (already validated) to questions that no longer arise: when staff change an earlier answer, a
    follow-up question that only applied to the old answer must not keep steering the plan."""
    kept: dict[str, str] = {}
    for q in route.questions:  # conditions only look at earlier questions, so one pass suffices
        if q.id in answers and condition_holds(q.when, kept):
            kept[q.id] = answers[q.id]
    return kept, [qid for qid in answers if qid not in kept]


def completions(route: Route, answers: dict[str, str], open_ids: list[str], limit: int | None = None):
    """Every way the questions `open_ids` may be answered, each as the answers so far plus those
    (at most `limit` of them): what "要多久" and "不确定" reason over before the situation is known."""
    questions = [q for q in route.questions if q.id in open_ids]
    combos = product(*[[o.value for o in q.options] for q in questions])
    for n, combo in enumerate(combos):
        if limit is not None and n >= limit:
            return
        yield {**answers, **dict(zip((q.id for q in questions), combo))}


def possible_totals(route: Route, catalogue: Catalogue, answers: dict[str, str],
                    limit: int = 256) -> tuple[int, int, list[str]]:
    """Fastest and slowest total (promised working days) over every way the open questions may be
    answered, and the open questions that change it: "要多久" asked before the situation is known."""
    pending = [q for q in route.questions if q.id in pending_questions(route, answers)]
    totals: dict[tuple[str, ...], int] = {}
    for filled in completions(route, answers, [q.id for q in pending], limit):
        combo = tuple(filled[q.id] for q in pending)
        filled, _ = effective_answers(route, filled)
        totals[combo] = plan_route(route, catalogue, filled).total_promised_days
    deciding = []
    for i, q in enumerate(pending):
        # The other questions' answers → the totals this question's answers give.
        others: dict[tuple[str, ...], set[int]] = {}
        for combo, total in totals.items():
            others.setdefault(combo[:i] + combo[i + 1:], set()).add(total)
        if any(len(t) > 1 for t in others.values()):
            deciding.append(q.id)
    return min(totals.values()), max(totals.values()), deciding


def validate_answers(route: Route, answers: dict[str, str]) -> None:
    known = {q.id: {o.value for o in q.options} for q in route.questions}
    for qid, value in answers.items():
        if qid not in known:
            raise PlanError(f"「{route.name}」没有情形问题「{qid[:64]}」")
        if value not in known[qid]:
            raise PlanError(f"问题「{qid}」没有选项「{value[:64]}」，可选：{'、'.join(sorted(known[qid]))}")


def plan_route(route: Route, catalogue: Catalogue, answers: dict[str, str] | None = None) -> Plan:
    answers = dict(answers or {})
    validate_answers(route, answers)
    unanswered = pending_questions(route, answers)

    def status(step: Step) -> str:
        cond = step.when or {}
        if any(qid in unanswered for qid in cond):
            return "conditional"
        return "applies" if condition_holds(cond, answers) else "skipped"

    by_id = {s.id: s for s in route.steps}
    applies = {s.id for s in route.steps if status(s) == "applies"}
    conditional = [s.id for s in route.steps if status(s) == "conditional"]
    # Steps that may still apply are scheduled too (not listed): while 经营主体 is unanswered, the
    # food licence still waits for whichever registration applies, and the total must say so.
    scheduled = applies | set(conditional)

    def effective_deps(step_id: str, seen: frozenset = frozenset()) -> set[str]:
        # A dependency that does not apply is skipped over: its own prerequisites still hold.
        out: set[str] = set()
        for dep in by_id[step_id].depends_on:
            if dep in seen:
                continue
            out |= {dep} if dep in scheduled else effective_deps(dep, seen | {dep})
        return out

    all_deps = {sid: effective_deps(sid) for sid in scheduled}
    timeline = _topological([s.id for s in route.steps if s.id in scheduled], all_deps)
    items: dict[str, Item] = {sid: catalogue.items[by_id[sid].item] for sid in timeline}
    order = [sid for sid in timeline if sid in applies]
    deps = {sid: {d for d in all_deps[sid] if d in applies} for sid in order}

    phase: dict[str, int] = {}
    start: dict[str, int] = {}
    finish: dict[str, int] = {}
    finish_law: dict[str, int | None] = {}
    for sid in timeline:
        tl = items[sid].time_limit
        phase[sid] = 1 + max((phase[d] for d in all_deps[sid]), default=0)
        start[sid] = max((finish[d] for d in all_deps[sid]), default=0)
        finish[sid] = start[sid] + tl.promised_days
        law_start = _latest([finish_law[d] for d in all_deps[sid]])
        finish_law[sid] = None if tl.statutory_days is None or law_start is None else law_start + tl.statutory_days
    # Batches are numbered over the listed steps: a batch of conditional steps alone is not shown.
    batch = {p: i + 1 for i, p in enumerate(sorted({phase[s] for s in order}))}
    phase = {sid: batch[phase[sid]] for sid in order}
    number = {sid: i + 1 for i, sid in enumerate(sorted(order, key=lambda s: (phase[s], order.index(s))))}
    ordered = sorted(order, key=number.__getitem__)
    critical = _critical_path(ordered, deps, finish)

    steps = []
    for sid in ordered:
        item, step = items[sid], by_id[sid]
        steps.append(
            PlannedStep(
                number=number[sid], id=sid, item_id=item.id, title=step.title or item.name,
                department=item.department, window=item.place.window, address=item.place.address,
                stage=step.stage, phase=phase[sid],
                depends_on=sorted(deps[sid], key=number.__getitem__),
                promised_days=item.time_limit.promised_days, promised_sample=item.time_limit.promised_sample,
                statutory_days=item.time_limit.statutory_days,
                start_day=start[sid], finish_day=finish[sid], critical=sid in critical,
                visits=item.time_limit.visits, online=item.online, fully_online=item.fully_online,
                fee=describe_costs(item, brief=True),
                result=item.result.name, delivery=list(item.result.delivery), validity=item.result.validity,
                note=step.note,
                time_note=item.time_limit.note,
            )
        )
    ancestors: dict[str, set[str]] = {}
    for sid in order:  # topological order: a step's prerequisites are done before it
        ancestors[sid] = set(deps[sid]).union(*(ancestors[d] for d in deps[sid]))
    materials = _merge_materials(ordered, items, number, ancestors, answers, {q.id for q in route.questions})
    return Plan(
        route_id=route.id, route_name=route.name, summary=route.summary,
        answers=answers, answer_labels=_answer_labels(route, answers),
        open_questions=open_questions(route, answers),
        steps=steps, conditional_steps=conditional,
        phases=[[number[s] for s in ordered if phase[s] == p] for p in sorted(set(phase.values()))],
        total_promised_days=max((finish[s] for s in ordered), default=0),
        promised_sample=any(items[s].time_limit.promised_sample for s in ordered),
        total_statutory_days=_latest([finish_law[s] for s in ordered]),
        sum_promised_days=sum(items[s].time_limit.promised_days for s in ordered),
        critical_path=[number[s] for s in ordered if s in critical],
        visits=sum(items[s].time_limit.visits for s in ordered),
        materials=materials,
        deferrable=[m for m in materials if m.necessity == Necessity.deferrable.value],
        online_steps=[number[s] for s in ordered if items[s].online],
        mailable_steps=[number[s] for s in ordered if "免费邮寄" in items[s].result.delivery],
        # Taxes count as payments too: a route with a taxed step must not read "以上事项均不收费".
        fees=[f"{items[s].name}：{describe_costs(items[s], brief=True)}" for s in ordered
              if items[s].fee.charged or items[s].costs],
        notes=list(route.notes),
    )


def _latest(finish_days: list[int | None]) -> int | None:
    """The latest of some statutory finish days (0 for none); None when any step has no statutory limit."""
    known = [d for d in finish_days if d is not None]
    return max(known, default=0) if len(known) == len(finish_days) else None


def _topological(ids: list[str], deps: dict[str, set[str]]) -> list[str]:
    done: list[str] = []
    pending = list(ids)
    while pending:  # the schema guarantees a DAG, so every pass places at least one step
        for sid in pending:
            if deps[sid] <= set(done):
                done.append(sid)
                pending.remove(sid)
                break
    return done


def _critical_path(order: list[str], deps: dict[str, set[str]], finish: dict[str, int]) -> set[str]:
    if not order:
        return set()
    node = max(reversed(order), key=lambda s: finish[s])
    path = {node}
    while deps[node]:
        node = max(deps[node], key=lambda d: finish[d])
        path.add(node)
    return path


def _merge_materials(order: list[str], items: dict[str, Item], number: dict[str, int],
                     ancestors: dict[str, set[str]], answers: dict[str, str],
                     asked: set[str]) -> list[PlannedMaterial]:
    produced: dict[str, list[str]] = {}  # material key or item id -> steps whose result it is
    for sid in order:
        result_key = items[sid].result.key
        if result_key:
            produced.setdefault(result_key, []).append(sid)
        produced.setdefault(items[sid].id, []).append(sid)

    def provider_for(key: str | None, sid: str) -> int | None:
        # Only a prerequisite of this step (directly or through others) is finished in time; a
        # step running in parallel cannot provide its result.
        found = [p for p in produced.get(key or "", []) if p in ancestors[sid]]
        return min((number[p] for p in found), default=None)

    rank = {Necessity.required.value: 0, Necessity.situational.value: 1, Necessity.deferrable.value: 2}
    merged: dict[str, PlannedMaterial] = {}
    for sid in order:
        for m in items[sid].materials:
            if m.when is not None and not set(m.when) <= asked:
                # This route does not ask about that situation: keep it as a situational material.
                m = m.model_copy(update={"when": None, "necessity": Necessity.situational.value,
                                         "condition": m.condition or "视具体情形"})
            if m.when is not None and not condition_holds(m.when, answers):
                continue
            provider = provider_for(m.merge_key, sid) or provider_for(m.from_item, sid)
            # A situational material whose situation was answered "yes" is simply required here.
            necessity = Necessity.required.value if m.when is not None else m.necessity
            entry = merged.get(m.merge_key)
            if entry is None:
                merged[m.merge_key] = PlannedMaterial(
                    name=m.name, form=m.form, copies=m.copies, necessity=necessity,
                    deferral_days=m.deferral_days,
                    condition=None if m.when is not None else m.condition,
                    commitment=m.commitment, steps=[number[sid]], provided_by_step=provider,
                )
                continue
            entry.steps.append(number[sid])
            entry.copies = max(entry.copies, m.copies)
            entry.commitment = entry.commitment and m.commitment
            if rank[necessity] < rank[entry.necessity]:
                entry.necessity, entry.condition = necessity, None if m.when is not None else m.condition
                entry.deferral_days = m.deferral_days
            elif necessity == entry.necessity == Necessity.deferrable.value:
                entry.deferral_days = min(entry.deferral_days or 99, m.deferral_days or 99)
    return sorted(merged.values(), key=lambda m: (m.provided_by_step is not None, rank[m.necessity], m.steps[0]))


def _answer_labels(route: Route, answers: dict[str, str]) -> dict[str, str]:
    labels = {}
    for q in route.questions:
        if q.id in answers:
            labels[q.text] = next(o.label for o in q.options if o.value == answers[q.id])
    return labels
