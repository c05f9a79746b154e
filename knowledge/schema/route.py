"""A route (一件事): items bundled into a plan for one goal, with situation questions (情形)."""
from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from knowledge.schema.common import GuideMeta, Key, NonEmpty, Slug, Strict, rule_broken

# when: {question_id: value or [values]} — the step or material applies only if every listed answer matches.
Condition = dict[str, str | list[str]]


class Option(Strict):
    model_config = ConfigDict(title="选项")

    value: Key = Field(title="选项值", examples=["yes"])
    label: NonEmpty = Field(title="选项名称", examples=["卖酒"])
    # Words a citizen may type for this option besides the label ("卖烟", "有") — matched after normalisation.
    keywords: list[NonEmpty] = Field(default_factory=list, title="市民可能的说法", description="用逗号或顿号分隔")
    # Numeric answers ("大概80平") fall into [min, max).
    min: float | None = Field(None, title="数值下限")
    max: float | None = Field(None, title="数值上限")


class Question(Strict):
    model_config = ConfigDict(title="情形问题")

    id: Key = Field(title="问题编号", examples=["sells_alcohol"])
    text: NonEmpty = Field(title="问题", examples=["是否销售酒类？"])
    help: str | None = Field(None, title="说明")
    # Words that show a message talks about this question ("烟", "香烟" for "会卖香烟吗"), so a fact
    # given in passing ("不卖烟酒", "500平的店") is taken even while another question is being asked.
    keywords: list[NonEmpty] = Field(default_factory=list, title="话题词",
                                     description="市民顺带提到时也能认出，如 烟、香烟；用逗号或顿号分隔")
    options: list[Option] = Field(..., min_length=2, title="选项", description="至少两个")
    # Asked only when this condition holds (e.g. "有没有X光机" only for clinics that do imaging).
    when: Condition | None = Field(None, title="只在以下情形下才问")

    @model_validator(mode="after")
    def _unique_values(self) -> "Question":
        values = [o.value for o in self.options]
        if len(values) != len(set(values)):
            raise rule_broken(f"情形问题「{self.text}」的选项值重复", "options", value=values)
        return self


class Step(Strict):
    model_config = ConfigDict(title="步骤")

    id: Slug = Field(title="步骤编号", examples=["license"])
    item: Slug = Field(..., title="事项编号", examples=["food-business-license"])
    title: str | None = Field(None, title="在本路线中的叫法", description="缺省用事项名称")
    depends_on: list[Slug] = Field(default_factory=list, title="前置步骤",
                                   description="这些步骤办完才能办本步；不勾选表示可以并联办理")
    when: Condition | None = Field(None, title="适用条件")
    note: str | None = Field(None, title="说明")
    stage: str | None = Field(None, title="阶段", description="如工程建设项目的四个阶段")


class Route(GuideMeta):
    model_config = ConfigDict(title="一件事", json_schema_extra={"examples": [{"id": "open-restaurant"}]})

    kind: Literal["route"] = Field("route", title="类型")
    name: NonEmpty = Field(title="“一件事”名称")
    aliases: list[NonEmpty] = Field(default_factory=list, title="别名（市民常用说法）")
    summary: NonEmpty = Field(title="简介")
    audience: str | None = Field(None, title="服务对象", examples=["企业、个人"])
    questions: list[Question] = Field(default_factory=list, title="情形问题",
                                      description="用来判断哪些步骤、材料适用")
    steps: list[Step] = Field(..., min_length=1, title="步骤")
    notes: list[NonEmpty] = Field(default_factory=list, title="注意事项")

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
