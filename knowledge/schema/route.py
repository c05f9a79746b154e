"""A route (一件事): items bundled into a plan for one goal, with situation questions (情形)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from knowledge.schema.common import GuideMeta, Key, NonEmpty, Slug, Strict, rule_broken

# when: {question_id: value or [values]} — the step or material applies only if every listed answer matches.
Condition = dict[str, str | list[str]]


class Option(Strict):
    value: Key
    label: NonEmpty
    # Words a citizen may type for this option besides the label ("卖烟", "有") — matched after normalisation.
    keywords: list[NonEmpty] = Field(default_factory=list)
    # Numeric answers ("大概80平") fall into [min, max).
    min: float | None = None
    max: float | None = None


class Question(Strict):
    id: Key
    text: NonEmpty
    help: str | None = None
    # Words that show a message talks about this question ("烟", "香烟" for "会卖香烟吗"), so a fact
    # given in passing ("不卖烟酒", "500平的店") is taken even while another question is being asked.
    keywords: list[NonEmpty] = Field(default_factory=list)
    options: list[Option] = Field(..., min_length=2)
    # Asked only when this condition holds (e.g. "有没有X光机" only for clinics that do imaging).
    when: Condition | None = None

    @model_validator(mode="after")
    def _unique_values(self) -> "Question":
        values = [o.value for o in self.options]
        if len(values) != len(set(values)):
            raise rule_broken(f"情形问题「{self.text}」的选项值重复", "options", value=values)
        return self


class Step(Strict):
    id: Slug
    item: Slug = Field(..., description="事项 id")
    title: str | None = Field(None, description="在本路线中的叫法；缺省用事项名称")
    depends_on: list[Slug] = Field(default_factory=list)
    when: Condition | None = None
    note: str | None = None
    stage: str | None = Field(None, description="阶段名，如工程建设项目的四个阶段")


class Route(GuideMeta):
    kind: Literal["route"] = "route"
    name: NonEmpty
    aliases: list[NonEmpty] = Field(default_factory=list)
    summary: NonEmpty
    audience: str | None = None
    questions: list[Question] = Field(default_factory=list)
    steps: list[Step] = Field(..., min_length=1)
    notes: list[NonEmpty] = Field(default_factory=list)

    @property
    def department(self) -> str:
        return "多部门联办"

    @model_validator(mode="after")
    def _graph_is_a_dag(self) -> "Route":
        ids = [s.id for s in self.steps]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            first = sorted(dupes)[0]
            again = ids.index(first, ids.index(first) + 1)  # shown at the second step with that id
            raise rule_broken(f"步骤 id 重复：{'、'.join(sorted(dupes))}", "steps", again, "id", value=first)
        known = set(ids)
        for n, s in enumerate(self.steps):
            missing = [d for d in s.depends_on if d not in known]
            if missing:
                raise rule_broken(f"步骤「{s.id}」依赖的步骤不存在：{'、'.join(missing)}", "steps", n, "depends_on",
                                  value=s.depends_on)
        cycle = find_cycle({s.id: s.depends_on for s in self.steps})
        if cycle:
            n = ids.index(cycle[0])
            raise rule_broken(f"步骤之间存在循环依赖：{' → '.join(cycle)}", "steps", n, "depends_on",
                              value=self.steps[n].depends_on)
        self._check_conditions()
        return self

    def _check_conditions(self) -> None:
        answers = {q.id: {o.value for o in q.options} for q in self.questions}
        conditions = [(f"步骤「{s.id}」", ("steps", n, "when"), s.when) for n, s in enumerate(self.steps)] + [
            (f"问题「{q.id}」", ("questions", n, "when"), q.when) for n, q in enumerate(self.questions)
        ]
        for where, loc, cond in conditions:
            for qid, val in (cond or {}).items():
                if qid not in answers:
                    raise rule_broken(f"{where}的条件引用了不存在的情形问题「{qid}」", *loc, value=cond)
                for v in [val] if isinstance(val, str) else val:
                    if v not in answers[qid]:
                        raise rule_broken(f"{where}的条件中，问题「{qid}」没有选项「{v}」", *loc, value=cond)


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """Return one dependency cycle as a closed path of ids, or None."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in graph.get(node, []):
            if state.get(dep) == 1:
                return stack[stack.index(dep):] + [dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def condition_holds(cond: Condition | None, answers: dict[str, str]) -> bool:
    """A condition holds when every question it names was answered with one of its values."""
    for qid, val in (cond or {}).items():
        allowed = [val] if isinstance(val, str) else val
        if answers.get(qid) not in allowed:
            return False
    return True
