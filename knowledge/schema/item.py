"""A service item (事项) as an implementation list (实施清单 / 办事指南) describes it."""
from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from knowledge.schema.common import QA, SAMPLE_LABEL, WORKING_DAYS, GuideMeta, Key, NonEmpty, Slug, Strict, rule_broken


class ItemType(str, Enum):
    licence = "行政许可"
    public_service = "公共服务"
    filing = "备案"
    confirmation = "行政确认"
    registration = "行政登记"
    payment = "行政给付"
    other = "其他行政权力"


class Audience(str, Enum):
    person = "个人"
    organisation = "法人"


class DeadlineKind(str, Enum):
    immediate = "即办件"
    promised = "承诺件"


class Channel(str, Enum):
    window = "窗口"
    online = "网上"
    fully_online = "全程网办"
    mail = "邮寄"


class Delivery(str, Enum):
    pickup = "自取"
    free_mail = "免费邮寄"
    electronic = "电子证照"


class MaterialForm(str, Enum):
    original = "原件"
    copy = "复印件"
    original_and_copy = "原件和复印件"
    electronic = "电子"


class Necessity(str, Enum):
    required = "必要"
    deferrable = "容缺"  # may be handed in after acceptance, within deferral_days
    situational = "情形"  # only in some situations


class TimeLimit(Strict):
    model_config = ConfigDict(title="办理时限")

    statutory_days: int | None = Field(None, ge=0, title="法定办结时限", description="无法定时限时留空",
                                       json_schema_extra=WORKING_DAYS)
    promised_days: int = Field(..., ge=0, title="承诺办结时限", description="不能长于法定时限；即办件填 0",
                               json_schema_extra=WORKING_DAYS)
    kind: DeadlineKind = Field(DeadlineKind.promised, title="办件类型")
    visits: int = Field(1, ge=0, le=5, title="到现场次数", description="0 表示全程网办")
    # The promise is the centre's own (承诺时限), not the law's; in the sample base it is a sample value
    # and the chat must say so: it appends SAMPLE_LABEL after the promised days when this is true.
    promised_sample: bool = Field(False, title="承诺时限为示例值（示例）",
                                  description="示例库中的承诺时限必须勾选，咨询时会注明（示例）")
    note: str | None = Field(None, title="时限说明")

    @model_validator(mode="after")
    def _promise_within_law(self) -> "TimeLimit":
        if self.statutory_days is not None and self.promised_days > self.statutory_days:
            raise rule_broken(
                f"承诺办结时限（{self.promised_days} 个工作日）不能长于法定办结时限（{self.statutory_days} 个工作日）",
                "promised_days", value=self.promised_days,
            )
        if self.kind == DeadlineKind.immediate.value and self.promised_days != 0:
            raise rule_broken("即办件的承诺办结时限应为 0 个工作日", "promised_days", value=self.promised_days)
        return self


class Place(Strict):
    """Where the item is handled. In the sample base these are sample values (sample: true)."""

    model_config = ConfigDict(title="办理地点与窗口")

    address: NonEmpty = Field(title="地址")
    window: str | None = Field(None, title="窗口")
    hours: NonEmpty = Field(title="办公时间")
    phone: NonEmpty = Field(title="咨询电话")
    sample: bool = Field(True, title="地址、窗口、电话是示例值", description="示例库必须勾选")


class Result(Strict):
    model_config = ConfigDict(title="办理结果")

    name: NonEmpty = Field(title="结果名称", description="办结后拿到的证照或文书", examples=["食品经营许可证"])
    # The material key this result satisfies in later steps (e.g. 营业执照), so a route plan
    # can say "obtained in step N" instead of asking the citizen to bring it.
    key: str | None = Field(None, title="结果的共享键", description="后续事项把它当材料时用", examples=["营业执照"])
    delivery: list[Delivery] = Field(default_factory=lambda: [Delivery.pickup], title="结果送达方式")
    validity: str | None = Field(None, title="有效期", description="证照的有效期及依据；长期有效也写明",
                                 examples=["5年（《食品经营许可和备案管理办法》第二十三条）"])


FREE_WORDS = ("不收费", "免费", "无需缴费", "不用交钱", "不花钱")


class Fee(Strict):
    """The 行政事业性收费 of this item (a fee on the national or provincial fee list, e.g. 护照费,
    不动产登记费); taxes and other payments are `Item.costs`."""

    model_config = ConfigDict(title="收费")

    charged: bool = Field(False, title="收费")
    standard: str = Field("不收费", title="收费标准", json_schema_extra={"only_for": {"charged": True}})
    depends_on: str | None = Field(None, title="金额取决于", description="如：每本、每件、住宅或非住宅")
    basis: str | None = Field(None, title="收费依据")

    @model_validator(mode="after")
    def _standard_when_charged(self) -> "Fee":
        if self.charged and (not self.standard or self.standard == "不收费"):
            raise rule_broken("收费事项必须写明收费标准", "standard", value=self.standard)
        return self


class CostKind(str, Enum):
    tax = "税"  # collected by the tax authority under a tax law (契税, 个人所得税, 增值税)
    other = "其他费用"  # paid to someone else at this step (公证费, 体检费, 刻章费 at market price)


class Cost(Strict):
    """Money the citizen pays at this step that is not the department's 行政事业性收费."""

    model_config = ConfigDict(title="税费")

    kind: CostKind = Field(title="类别")
    name: NonEmpty = Field(..., title="名称", examples=["契税", "个人所得税"])
    payer: str | None = Field(None, title="缴纳人", examples=["买方", "卖方"])
    amount: NonEmpty = Field(..., title="金额", examples=["计税价格的3%至5%"])
    depends_on: NonEmpty = Field(..., title="金额取决于", examples=["成交价格、面积、是否家庭唯一住房"])
    basis: NonEmpty = Field(..., title="依据", description="法律条文或文件")
    exemptions: str | None = Field(None, title="免征减征", description="免征、减征情形")
    # A rate that the province or city sets (契税适用税率) is local; in the sample base it is labelled.
    local_sample: bool = Field(False, title="金额含本地示例值", description="如本省适用税率，须带（示例）标注")

    @model_validator(mode="after")
    def _labelled_when_local(self) -> "Cost":
        if self.local_sample and SAMPLE_LABEL not in self.amount:
            raise rule_broken(f"「{self.name}」的金额含本地示例值，应在金额中标注{SAMPLE_LABEL}", "amount", value=self.amount)
        if any(word in self.amount for word in FREE_WORDS[:2]) and self.kind == CostKind.tax.value:
            raise rule_broken(f"「{self.name}」是税，金额不能写“不收费/免费”；免征情形写在 exemptions 里", "amount",
                              value=self.amount)
        return self


class Material(Strict):
    model_config = ConfigDict(title="材料")

    name: NonEmpty = Field(title="材料名称")
    # Materials with the same key are the same document across items; a route plan merges them (一表通).
    key: str | None = Field(None, title="共享键")
    form: MaterialForm = Field(MaterialForm.original, title="材料形式")
    copies: int = Field(1, ge=0, le=20, title="份数")
    necessity: Necessity = Field(
        Necessity.required, title="必要性",
        description="必要：受理时必须提交；容缺：可先受理、在补交期限内补齐；情形：只在写明的情形下需要")
    # For the editor page: only_for, a value kept only while a sibling has the given value (back to the
    # default otherwise); required_when, a field that a sibling's value makes necessary. They mirror
    # what _necessity_details below enforces.
    deferral_days: int | None = Field(None, ge=1, le=60, title="容缺补交期限", json_schema_extra={
        **WORKING_DAYS, "only_for": {"necessity": Necessity.deferrable.value}})
    condition: str | None = Field(None, title="适用情形", description="情形材料：什么情况下需要",
                                  examples=["委托他人办理时"],
                                  json_schema_extra={"required_when": {"necessity": Necessity.situational.value}})
    when: dict[Key, str | list[str]] | None = Field(
        None, title="触发条件", description="在一件事中由哪个情形答案触发，如 {sells_alcohol: 'yes'}"
    )
    source: str = Field("申请人自备", title="来源")
    from_item: Slug | None = Field(None, title="来自事项", description="由另一事项办结后取得（如营业执照）")
    commitment: bool = Field(False, title="告知承诺", description="可用告知承诺书替代")
    notes: str | None = Field(None, title="备注")

    @property
    def merge_key(self) -> str:
        return self.key or self.name

    @model_validator(mode="after")
    def _necessity_details(self) -> "Material":
        if self.necessity == Necessity.deferrable.value and self.deferral_days is None:
            raise rule_broken(f"容缺材料「{self.name}」必须写明补交期限（deferral_days）", "deferral_days", value=None)
        if self.necessity != Necessity.deferrable.value and self.deferral_days is not None:
            raise rule_broken(f"只有容缺材料才有补交期限：「{self.name}」不是容缺材料", "deferral_days",
                              value=self.deferral_days)
        if self.necessity == Necessity.situational.value and not (self.condition or self.when):
            raise rule_broken(f"情形材料「{self.name}」必须写明适用情形（condition）", "condition", value=self.condition)
        return self


class Item(GuideMeta):
    model_config = ConfigDict(title="事项", json_schema_extra={"examples": [{"id": "food-business-license"}]})

    kind: Literal["item"] = Field("item", title="类型")
    name: NonEmpty = Field(title="事项名称")
    code: NonEmpty = Field(..., title="事项编码", description="示例库用 SAMPLE-<部门>-<编号>")
    type: ItemType = Field(title="事项类型")
    department: NonEmpty = Field(title="实施部门", examples=["示例市市场监督管理局"])
    audience: list[Audience] = Field(..., min_length=1, title="服务对象")
    aliases: list[NonEmpty] = Field(default_factory=list, title="别名（市民常用说法）",
                                    description="写市民会怎么说：开饭店、办执照……不要写“材料”“手续”这类泛词")
    summary: str | None = Field(None, title="简介")
    conditions: list[NonEmpty] = Field(default_factory=list, title="受理条件")
    legal_basis: list[NonEmpty] = Field(default_factory=list, title="设定依据",
                                        examples=["《中华人民共和国食品安全法》第三十五条"])
    time_limit: TimeLimit = Field(title="办理时限")
    place: Place = Field(title="办理地点与窗口")
    channels: list[Channel] = Field(default_factory=lambda: [Channel.window], title="办理渠道")
    result: Result = Field(title="办理结果")
    fee: Fee = Field(default_factory=Fee, title="收费")
    costs: list[Cost] = Field(default_factory=list, title="税费", description="行政事业性收费以外要缴的税费")
    materials: list[Material] = Field(default_factory=list, title="申请材料")
    steps: list[NonEmpty] = Field(default_factory=list, title="办理步骤")
    faq: list[QA] = Field(default_factory=list, title="常见问答")
    # The 代办 practice says most items may be handed in by someone else; an item that may not says so
    # here, and a citizen asking to send a relative is told this item's own rule.
    in_person: str | None = Field(None, title="须本人到场",
                                  description="不能委托他人代办时写明谁必须亲自到场、为什么、依据，"
                                              "如“男女双方须亲自到场（《中华人民共和国民法典》第一千零四十九条）”")
    # An imported guide's text that fitted no field, kept whole so nothing the centre wrote is lost.
    notes: str | None = Field(None, title="其他说明", description="导入时未归入字段的原文")

    @property
    def online(self) -> bool:
        return any(c in (Channel.online.value, Channel.fully_online.value) for c in self.channels)

    @property
    def taxes(self) -> list[Cost]:
        return [c for c in self.costs if c.kind == CostKind.tax.value]

    @property
    def fully_online(self) -> bool:
        return Channel.fully_online.value in self.channels

    @model_validator(mode="after")
    def _unique_material_names(self) -> "Item":
        seen: set[str] = set()
        for i, m in enumerate(self.materials):
            if m.name in seen:  # shown at the second one: the first is where the editor meant it
                raise rule_broken(f"材料「{m.name}」重复出现", "materials", i, "name", value=m.name)
            seen.add(m.name)
        return self
