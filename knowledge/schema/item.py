"""A service item (事项) as an implementation list (实施清单 / 办事指南) describes it."""
from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import Field, model_validator

from knowledge.schema.common import QA, SAMPLE_LABEL, GuideMeta, Key, NonEmpty, Slug, Strict, rule_broken


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
    statutory_days: int | None = Field(None, ge=0, description="法定办结时限（工作日）；无法定时限时留空")
    promised_days: int = Field(..., ge=0, description="承诺办结时限（工作日）；即办件为 0")
    kind: DeadlineKind = DeadlineKind.promised
    visits: int = Field(1, ge=0, le=5, description="到现场次数；0 表示全程网办")
    # The promise is the centre's own (承诺时限), not the law's; in the sample base it is a sample value
    # and the chat must say so: it appends SAMPLE_LABEL after the promised days when this is true.
    promised_sample: bool = Field(False, description="承诺办结时限为示例值（示例库中必须为 true）")
    note: str | None = None

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

    address: NonEmpty
    window: str | None = None
    hours: NonEmpty
    phone: NonEmpty
    sample: bool = Field(True, description="地址、窗口、电话为示例值")


class Result(Strict):
    name: NonEmpty
    # The material key this result satisfies in later steps (e.g. 营业执照), so a route plan
    # can say "obtained in step N" instead of asking the citizen to bring it.
    key: str | None = None
    delivery: list[Delivery] = Field(default_factory=lambda: [Delivery.pickup])


FREE_WORDS = ("不收费", "免费", "无需缴费", "不用交钱", "不花钱")


class Fee(Strict):
    """The 行政事业性收费 of this item (a fee on the national or provincial fee list, e.g. 护照费,
    不动产登记费); taxes and other payments are `Item.costs`."""

    charged: bool = False
    standard: str = "不收费"
    depends_on: str | None = Field(None, description="收费金额取决于什么（如：每本、每件、住宅或非住宅）")
    basis: str | None = None

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

    kind: CostKind
    name: NonEmpty = Field(..., description="如：契税、个人所得税")
    payer: str | None = Field(None, description="谁缴纳，如：买方、卖方")
    amount: NonEmpty = Field(..., description="缴多少，如：计税价格的3%至5%")
    depends_on: NonEmpty = Field(..., description="金额取决于什么，如：成交价格、面积、是否家庭唯一住房")
    basis: NonEmpty = Field(..., description="依据（法律条文或文件）")
    exemptions: str | None = Field(None, description="免征、减征情形")
    # A rate that the province or city sets (契税适用税率) is local; in the sample base it is labelled.
    local_sample: bool = Field(False, description="金额含本地示例值（如本省适用税率），须带（示例）标注")

    @model_validator(mode="after")
    def _labelled_when_local(self) -> "Cost":
        if self.local_sample and SAMPLE_LABEL not in self.amount:
            raise rule_broken(f"「{self.name}」的金额含本地示例值，应在金额中标注{SAMPLE_LABEL}", "amount", value=self.amount)
        if any(word in self.amount for word in FREE_WORDS[:2]) and self.kind == CostKind.tax.value:
            raise rule_broken(f"「{self.name}」是税，金额不能写“不收费/免费”；免征情形写在 exemptions 里", "amount",
                              value=self.amount)
        return self


class Material(Strict):
    name: NonEmpty
    # Materials with the same key are the same document across items; a route plan merges them (一表通).
    key: str | None = None
    form: MaterialForm = MaterialForm.original
    copies: int = Field(1, ge=0, le=20)
    necessity: Necessity = Necessity.required
    deferral_days: int | None = Field(None, ge=1, le=60, description="容缺材料的补交期限（工作日）")
    condition: str | None = Field(None, description="情形材料：什么情况下需要")
    when: dict[Key, str | list[str]] | None = Field(
        None, description="在一件事中由哪个情形答案触发，如 {sells_alcohol: 'yes'}"
    )
    source: str = "申请人自备"
    from_item: Slug | None = Field(None, description="由另一事项办结后取得（如营业执照）")
    commitment: bool = Field(False, description="可用告知承诺书替代")
    notes: str | None = None

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
    kind: Literal["item"] = "item"
    name: NonEmpty
    code: NonEmpty = Field(..., description="事项编码（示例库为示例编码）")
    type: ItemType
    department: NonEmpty
    audience: list[Audience] = Field(..., min_length=1)
    aliases: list[NonEmpty] = Field(default_factory=list)
    summary: str | None = None
    conditions: list[NonEmpty] = Field(default_factory=list)
    legal_basis: list[NonEmpty] = Field(default_factory=list)
    time_limit: TimeLimit
    place: Place
    channels: list[Channel] = Field(default_factory=lambda: [Channel.window])
    result: Result
    fee: Fee = Field(default_factory=Fee)
    costs: list[Cost] = Field(default_factory=list, description="行政事业性收费以外要缴的税费")
    materials: list[Material] = Field(default_factory=list)
    steps: list[NonEmpty] = Field(default_factory=list, description="办理流程")
    faq: list[QA] = Field(default_factory=list)
    # An imported guide's text that fitted no field, kept whole so nothing the centre wrote is lost.
    notes: str | None = Field(None, description="其他说明（导入时未归入字段的原文）")

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
