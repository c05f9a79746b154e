"""The Chinese wording of the assistant's answers: guides, plans, follow-ups, situation questions.

One home for what the assistant says, whatever the channel: the dialogue asks the knowledge service
for an answer (api/routes/dialogue.py) and each channel renders the messages in its own way. The
functions take the schema and planner models themselves (Item, Route, Plan …), so a renamed field is
a type error here rather than a KeyError in a conversation. Every answer names the guide and
department it came from, so a citizen (and the hotline) can check it against the official 办事指南.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlencode

from knowledge.core.config import get_settings
from knowledge.dialogue.situation import Fact
from knowledge.planner import MaterialView, Plan, PlannedMaterial
from knowledge.schema import Faq, Item, Material, Route
from knowledge.schema.common import SAMPLE_LABEL
from knowledge.schema.item import Delivery, Necessity
from knowledge.schema.referral import Referral
from knowledge.schema.route import Question
from knowledge.search.engine import SearchResult
from knowledge.wording import phrases
from knowledge.wording.costs import describe_costs

CN_NUM = "零一二三四五六七八九十"


def source(name: str, department: str) -> str:
    return f"（依据：《{name}》办事指南 · {department}）"


days = phrases.workdays


def guide_faq_answer(item_name: str, department: str, question: str, answer: str) -> str:
    """A follow-up answered from the 常见问答 of the guide in focus (knowledge/dialogue/guide_faq.py),
    under the question it was matched to, so the citizen sees what is being answered."""
    return f"“{item_name}”常见问题：{question}\n{answer}\n{source(item_name, department)}"


def promised(n: int, sample: bool = False) -> str:
    return "当场办结" if n == 0 else f"承诺 {n} 个工作日" + (SAMPLE_LABEL if sample else "")


def _hotline() -> str:
    return get_settings().hotline_phone


def _centre() -> str:
    return get_settings().centre_name


def notice_url(kind: str, guide_id: str, answers: dict[str, str] | None = None) -> str:
    path = "routes" if kind == "route" else "items"
    query = f"?{urlencode(answers)}" if answers else ""
    return f"{get_settings().public_base_url.rstrip('/')}/api/{path}/{guide_id}/notice{query}"


# ---- items -------------------------------------------------------------------------------

def material_line(m: Material | MaterialView, i: int) -> str:
    """One material of an item (schema) or of a plan (planner, which may have it come from a step)."""
    text = f"{i}. {m.name}（{m.form}{'×' + str(m.copies) if m.copies > 1 else ''}）"
    if isinstance(m, PlannedMaterial) and m.provided_by_step:
        return text + f" — 第 {m.provided_by_step} 步办结后取得，无需另备"
    if m.necessity == Necessity.deferrable:
        text += f" — 可容缺，受理后 {m.deferral_days} 个工作日内补交"
    elif m.necessity == Necessity.situational and m.condition:
        cond = m.condition
        text += f" — {cond if '时' in cond else cond + '时'}提供"
    if m.commitment:
        text += "；可用告知承诺书代替"
    return text


def item_card(item: Item) -> str:
    lines = [f"【{item.name}】{item.department} · {item.type}"]
    if item.summary:
        lines.append(item.summary)
    required = [m for m in item.materials if m.necessity != Necessity.situational]
    lines += [
        f"· 时限：{phrases.item_time(item)}",
        f"· 收费：{describe_costs(item, brief=True)}",
        f"· 材料：{len(required)} 项必备" + (f"，另有 {len(item.materials) - len(required)} 项视情形提供"
                                         if len(item.materials) > len(required) else ""),
        f"· 办理：{phrases.item_online(item)}；地点：{item.place.address}",
        *([f"· 本人到场：{item.in_person}，不能委托代办"] if item.in_person else []),
        f"· 结果：{item.result.name}（{'、'.join(item.result.delivery)}）",
        source(item.name, item.department),
    ]
    return "\n".join(lines)


def item_aspect(item: Item, aspect: str) -> str:
    name, dept = item.name, item.department
    place = item.place
    if aspect == "materials":
        body = "\n".join(material_line(m, i + 1) for i, m in enumerate(item.materials)) or "无需提交材料。"
        text = f"办理“{name}”需要以下材料：\n{body}"
    elif aspect == "duration":
        text = f"“{name}”{phrases.item_time(item)}，到现场 {item.time_limit.visits} 次。"
        if item.time_limit.note:
            text += item.time_limit.note + "。"
    elif aspect == "fee":
        text = describe_costs(item)  # fees and taxes apart: a taxed step is never "不收费"
    elif aspect == "location":
        text = (f"“{name}”由{dept}负责，办理地点：{place.address}" + (f"，窗口 {place.window}" if place.window else "")
                + f"。办理时间：{place.hours}；咨询电话：{place.phone}。")
    elif aspect == "online":
        text = f"“{name}”{phrases.item_online(item)}。"
    elif aspect == "visits":
        visits = item.time_limit.visits
        text = (f"“{name}”{phrases.item_online(item)}。" if visits == 0 else
                f"“{name}”材料齐全的话，最多到现场 {visits} 次；{phrases.item_online(item)}。")
    elif aspect == "deferral":
        deferrable = [m for m in item.materials if m.necessity == Necessity.deferrable]
        promise = [m for m in item.materials if m.commitment]
        if deferrable or promise:
            parts = [f"{m.name}（受理后 {m.deferral_days} 个工作日内补交）" for m in deferrable]
            text = f"“{name}”" + (f"实行容缺受理，以下材料可以先受理后补交：{'；'.join(parts)}。" if parts else "")
            if promise:
                text += f"以下材料可用告知承诺书代替：{'；'.join(m.name for m in promise)}。"
            text += "其余材料需要齐全才能受理。"
        else:
            text = f"“{name}”的材料都是主要材料，暂不适用容缺受理，需要齐全后提交。"
    elif aspect == "mailing":
        delivery = item.result.delivery
        text = (f"“{name}”的结果（{item.result.name}）可以免费邮寄到家，申请时告诉窗口或在网上填写收件地址即可。"
                if Delivery.free_mail in delivery else f"“{name}”的结果需要{'、'.join(delivery)}。")
    elif aspect == "process":
        steps = item.steps
        text = f"“{name}”的办理流程：" + ("→".join(steps) if steps else "提交申请 → 受理 → 审查 → 决定 → 送达") + "。"
    elif aspect == "validity":
        validity = item.result.validity
        text = (f"“{name}”的结果（{item.result.name}）有效期：{validity}。" if validity else
                f"“{name}”的办事指南没有写明{item.result.name}的有效期，可咨询{dept}（{place.phone}）。")
    elif aspect == "conditions":
        conds = item.conditions
        text = (f"办理“{name}”需要满足：\n" + "\n".join(f"{i + 1}. {c}" for i, c in enumerate(conds))
                if conds else f"“{name}”没有另行规定的受理条件，材料齐全即可申请。")
    else:  # notice
        text = f"“{name}”的一次性告知单（可打印）：{notice_url('item', item.id)}"
    return text + "\n" + source(name, dept)


# ---- routes ------------------------------------------------------------------------------

def route_overview(route: Route, items: dict[str, Item]) -> str:
    lines = [f"【{route.name}】{route.summary}", "一般涉及以下事项："]
    for i, step in enumerate(route.steps):
        item = items.get(step.item)
        cond = "（视情况）" if step.when else ""
        title = step.title or (item.name if item else step.item)
        lines.append(f"{i + 1}. {title}{cond} — {item.department if item else ''}")
    return "\n".join(lines)


def trips(visits: int) -> str:
    return f"最多跑 {visits} 次" if visits else "不用跑现场"


def plan_summary(plan: Plan) -> str:
    labels = "、".join(plan.answer_labels.values())
    head = f"根据您的情况（{labels}），" if labels else ""
    total, summed = plan.total_promised_days, plan.sum_promised_days
    speed = (f"并联办理后最快约 {total} 个工作日（承诺时限{SAMPLE_LABEL if plan.promised_sample else ''}，"
             f"逐项相加为 {summed} 个）" if total else "每一项都可当场办结")
    lines = [f"{head}“{plan.route_name}”需要办 {len(plan.steps)} 件事，{speed}，{trips(plan.visits)}："]
    for p, phase in enumerate(plan.phases):
        steps = [s for s in plan.steps if s.number in phase]
        tag = f"第{CN_NUM[p + 1] if p < 10 else p + 1}批" + ("（可同时办理）" if len(steps) > 1 else "")
        lines.append(tag)
        for s in steps:
            where = s.department + (f"，窗口 {s.window}" if s.window else "")
            online = "，可全程网办" if s.fully_online else ("，可网上申请" if s.online else "")
            lines.append(f"  {s.number}. {s.title} — {where}，{promised(s.promised_days, s.promised_sample)}{online}")
    if plan.open_questions:
        lines.append("（还有情况未确认：" + "；".join(q.text for q in plan.open_questions) + " 相关事项暂未列入）")
    return "\n".join(lines)


def plan_materials(plan: Plan, limit: int = 12) -> str:
    own = [m for m in plan.materials if not m.provided_by_step]
    lines = [f"材料清单（同一材料只交一次，共 {len(own)} 项需自备）："]
    lines += [material_line(m, i + 1) + f" [用于第 {'、'.join(map(str, m.steps))} 步]"
              for i, m in enumerate(own[:limit])]
    if len(own) > limit:
        lines.append(f"……其余 {len(own) - limit} 项见一次性告知单。")
    provided = [m for m in plan.materials if m.provided_by_step]
    if provided:
        lines.append("前面步骤办好后取得、无需另备：" + "、".join(f"{m.name}（第{m.provided_by_step}步）" for m in provided))
    return "\n".join(lines)


def plan_extras(plan: Plan) -> str:
    lines = []
    if plan.deferrable:
        lines.append("可容缺受理（先受理、后补交）：" + "；".join(
            f"{m.name}（{m.deferral_days} 个工作日内）" for m in plan.deferrable))
    if plan.online_steps:
        lines.append(f"可网上办理：第 {'、'.join(map(str, plan.online_steps))} 步")
    if plan.mailable_steps:
        lines.append(f"结果可免费邮寄：第 {'、'.join(map(str, plan.mailable_steps))} 步")
    lines.append("收费：" + ("；".join(plan.fees) if plan.fees else "以上事项均不收费"))
    lines.append(f"一次性告知单（含每一步的窗口、材料和时限，可打印）：{notice_url('route', plan.route_id, plan.answers)}")
    lines.append(f"（依据：《{plan.route_name}》一件事指南及各事项办事指南 · {_centre()}）")
    return "\n".join(lines)


# A statutory waiting period (a public notice, a creditors' claim period) runs outside any processing
# time limit, yet it is what "注销要多久" is really about.
_WAITING = re.compile(r"公告|公示|期满|申报期|等待期|之日起\d+日")


def waiting_periods(plan: Plan) -> str:
    """The notes of the plan's steps that name a waiting period, or "" when none does."""
    lines = [f"· 第 {s.number} 步 {s.title}：{'；'.join(notes)}" for s in plan.steps
             if (notes := list(dict.fromkeys(n for n in (s.note, s.time_note) if n and _WAITING.search(n))))]
    return ("\n另外要留出法定的公告、公示等期间（不算在办理时限里）：\n" + "\n".join(lines)) if lines else ""


def route_aspect(plan: Plan, aspect: str) -> str:
    name = plan.route_name
    steps = plan.steps
    if aspect == "materials":
        text = plan_materials(plan, limit=30)
    elif aspect in ("duration", "process"):
        text = plan_summary(plan)
        if plan.total_statutory_days is not None and aspect == "duration":
            text += f"\n按法定时限计算，最长约 {plan.total_statutory_days} 个工作日。"
        if aspect == "duration":
            text += waiting_periods(plan)
    elif aspect == "visits":
        text = (f"“{name}”材料齐全、按方案并联办理的话，{trips(plan.visits)}"
                + (f"；第 {'、'.join(map(str, plan.online_steps))} 步可以网上办。" if plan.online_steps else "。"))
    elif aspect == "fee":
        text = f"“{name}”的收费：" + ("；".join(plan.fees) if plan.fees else "涉及的事项均不收费。")
    elif aspect == "location":
        text = f"“{name}”各步骤的办理部门和窗口：\n" + "\n".join(
            f"{s.number}. {s.title} — {s.department}，{s.address}"
            + (f"，窗口 {s.window}" if s.window else "") for s in steps)
    elif aspect == "online":
        online = [s for s in steps if s.online]
        text = ("可以网上办理的步骤：\n" + "\n".join(
            f"{s.number}. {s.title}（{'全程网办' if s.fully_online else '网上申请'}）" for s in online)
                if online else f"“{name}”涉及的事项目前需要到窗口办理。")
    elif aspect == "deferral":
        text = ("以下材料可以容缺受理（先受理，期限内补交）：\n" + "\n".join(
            f"· {m.name}（{m.deferral_days} 个工作日内补交）" for m in plan.deferrable)
                if plan.deferrable else f"“{name}”涉及的材料暂无可容缺的，主要材料需要齐全。")
        promise = [m.name for m in plan.materials if m.commitment]
        if promise:
            text += "\n可用告知承诺书代替：" + "、".join(promise)
    elif aspect == "mailing":
        mail = [s for s in steps if Delivery.free_mail in s.delivery]
        text = ("以下步骤的结果可以免费邮寄：" + "、".join(f"{s.number}. {s.title}" for s in mail)
                if mail else "这些事项的结果需要到窗口领取。")
    elif aspect == "validity":
        lasting = [s for s in steps if s.validity]
        text = ("各步骤取得的证照有效期：\n" + "\n".join(f"{s.number}. {s.result}：{s.validity}" for s in lasting)
                if lasting else f"“{name}”各步骤的办事指南没有写明证照有效期。")
    elif aspect == "conditions":
        text = f"“{name}”各事项的受理条件见一次性告知单：{notice_url('route', plan.route_id, plan.answers)}"
    else:  # notice
        text = f"“{name}”的一次性告知单（可打印）：{notice_url('route', plan.route_id, plan.answers)}"
    if aspect not in ("notice", "conditions"):
        text += f"\n（依据：《{name}》一件事指南 · {_centre()}）"
    return text


def faq_answer(faq: Faq) -> str:
    return f"{faq.answer}\n（依据：{_centre()} · {faq.question}）"


def options_text(results: Sequence[SearchResult], intro: str) -> str:
    lines = [intro]
    lines += [f"{i + 1}. {r.title}（{r.department}）" for i, r in enumerate(results)]
    lines.append("请回复序号或点击选择；都不是的话，可以换个说法再问，或回复“转人工”。")
    return "\n".join(lines)


def none_of_offered() -> str:
    return ("好的。可能知识库里还没有您要办的事的指南，我们会把您的问题转给指南编辑补充。"
            "您可以换个说法，例如说出要办的证照或事项名称；也可以回复“转人工”，"
            f"或拨打审批导航热线 {_hotline()}。")


def greeting() -> str:
    return (f"您好！我是{_centre()}的“审批导航”助手。告诉我您想办什么事，例如“我想开个饭店”“孩子上户口”“办护照”，"
            "我帮您理清要找哪些部门、带哪些材料、多久能办好。")


def scope_statement() -> str:
    return (f"抱歉，这个问题超出了我的服务范围。我是{_centre()}的审批导航助手，可以帮您规划办事路线、"
            "查询材料、时限、窗口和收费。例如您可以问：“开个便利店要办哪些证？”"
            f"其他政务问题、投诉建议可拨打{get_settings().complaint_line}。")


def ask_goal(aspect_label: str) -> str:
    return f"请问您想了解哪项业务的{aspect_label}？请告诉我要办的事，例如“开饭店”“办护照”。"


def no_guide(referral: Referral) -> str:
    """The base has no guide for what was asked, but knows who handles it: say both plainly."""
    s = get_settings()
    how = f"{referral.how}。" if referral.how else ""
    hotline = f"咨询电话：{referral.hotline}（全国统一号码）。" if referral.hotline else ""
    # What to do at once (110, 119, the gas valve) comes before any apology.
    urgent = f"{referral.urgent}。\n" if referral.urgent else ""
    return (f"{urgent}抱歉，{s.centre_name}暂时没有「{referral.domain}」这方面的办事指南，我不想给您不准确的答复。\n"
            f"这类事通常由{referral.department}办理。{how}{hotline}（依据：{referral.basis}）\n"
            "具体地点、材料以当地公布为准。您的问题已记下，转给指南编辑补充；也可以回复“转人工”，"
            f"或拨打{s.complaint_line}。")


def unanswered(name: str, department: str | None, phone: str | None) -> str:
    """A follow-up about the guide in focus that its text does not answer ("可以加急吗" after 公积金提取):
    said plainly, with whom to ask, rather than a list of guides that happen to share a word."""
    s = get_settings()
    ask = f"{department}（咨询电话：{phone}）" if department and phone else "各步骤的办理部门"
    return (f"「{name}」的办事指南里没有写到这一点，我不想凭猜测答复您。\n"
            f"可以直接咨询{ask}，或拨打审批导航热线 {s.hotline_phone}。"
            "您的问题已记下，转给指南编辑补充。")


def not_found() -> str:
    s = get_settings()
    return ("抱歉，知识库里暂时没有找到与您的问题对应的办事指南，我不想给您不对的答复；您的问题已转给指南编辑补充。"
            "您可以换个说法，或说说具体要办的事（例如“开公司”“换驾照”）；也可以回复“转人工”，"
            f"或拨打审批导航热线 {s.hotline_phone}。其他政务问题、投诉建议可拨打{s.complaint_line}。")


# ---- situation questions -------------------------------------------------------------------

ESCAPES = ["不确定", "跳过"]


def question_message(question: Question, number: int, total: int, escapes: bool = False) -> tuple[str, list[str]]:
    """A situation question with its options as numbered lines, and the titles of its buttons; after
    a miss the buttons also offer "不确定" and "跳过"."""
    text = f"（{number}/{total}）{question.text}"
    if question.help:
        text += f"\n提示：{question.help}"
    text += "\n" + "\n".join(f"{i + 1}. {o.label}" for i, o in enumerate(question.options))
    if escapes:
        text += "\n拿不准可以回复“不确定”，不想回答可以回复“跳过”。"
    return text, [o.label for o in question.options] + (ESCAPES if escapes else [])


def questions_intro(count: int) -> str:
    return (f"具体要办哪些、带什么材料，取决于您的情况。请回答 {count} 个小问题，我为您定制办理方案"
            "（一条消息里可以一次说几项，例如“个体户，80平，不卖烟”；随时回复“跳过”可直接看通用方案）。")


def _asked(question: Question) -> str:
    return question.text.rstrip("？?")


def acknowledgement(facts: list[Fact], questions: dict[str, Question]) -> str:
    """What was taken from the message, so the citizen can see it and correct it."""
    changed = [f for f in facts if f.previous]
    taken = [f for f in facts if not f.previous]
    parts = []
    if taken:
        parts.append("好的，已记下：" + "；".join(f.label for f in taken) + "。")
    for f in changed:
        parts.append(f"已把“{_asked(questions[f.question])}”改为：{f.label}。")
    return "".join(parts)


def dropped_note(dropped: list[str], questions: dict[str, Question]) -> str:
    return "（因情况改变，不再适用的回答已去掉：" + "；".join(questions[q].text for q in dropped) + "）"


def miss(question: Question) -> str:
    return f"没能从您的话里确定“{_asked(question)}”的答案，请点选下面的一项："


def unsure(question: Question, consequences: list[tuple[str, list[str]]]) -> str:
    """ "不确定": the difference each answer makes, then the question is left open in the plan."""
    lines = [f"没关系。“{_asked(question)}”的区别在于要办的事项："]
    for label, steps in consequences:
        lines.append(f"· 如果是“{label}”：" + ("要办 " + "、".join(steps) if steps else "不用另办相关事项"))
    lines.append("这一项先放一放，方案里相关事项会标为“视情况”，您确定后随时告诉我即可。")
    return "\n".join(lines)


def skipped_twice(question: Question) -> str:
    return (f"这一项（{_asked(question)}）先放一放，方案里相关事项会标为“视情况”；"
            "您想好了随时告诉我。")


def small_talk(kind: str, in_form: bool = False) -> str:
    """Small talk; during the situation questions the question follows it again."""
    go_on = "我们接着把情况问完：" if in_form else "还有什么要办的事，可以直接告诉我。"
    if kind == "hold":
        return "好的，不着急，您确认好了再告诉我。" if in_form else "好的，不着急，您想好了随时告诉我。"
    if kind == "ack":
        return "好的。" if in_form else "好的。" + go_on
    if kind == "annoyed":
        return ("抱歉，问得有点多，每个问题都会改变要办的事项。不想答的可以回复“跳过”，我直接给您通用方案；"
                "也可以回复“转人工”。") + ("" if in_form else go_on)
    if kind == "about_me":
        return f"我是{_centre()}的智能导航助手，按办事指南为您规划办理路线；需要人工时回复“转人工”即可。" + go_on
    return "谢谢您！我们接着把情况问完，马上就能给您定制方案。" if in_form else "不客气！" + go_on


def open_duration(route_name: str, fastest: int, slowest: int, deciding: list[str], waits: str = "") -> str:
    def about(n: int) -> str:
        return "当场办结" if n == 0 else f"约 {days(n)}"
    span = about(fastest) if fastest == slowest else f"最快{about(fastest)}、最多{about(slowest)}"
    text = f"“{route_name}”按并联办理计算，{span}（承诺时限，示例）"
    if deciding:
        text += "，取决于：" + "；".join(deciding)
    return text + "。" + (waits.strip() + "\n" if waits else "") + "把下面的问题答完，我给您算出准确的时间。"


def open_materials(plan: Plan, pending_titles: list[str]) -> str:
    own = [m for m in plan.materials if not m.provided_by_step]
    lines = ["材料取决于您的情况。按目前已确定的事项，需要准备：" if own else "材料取决于您的情况，答完问题后给您完整清单。"]
    lines += [material_line(m, i + 1) for i, m in enumerate(own[:10])]
    if len(own) > 10:
        lines.append(f"……其余 {len(own) - 10} 项见最后的方案。")
    if pending_titles:
        lines.append("视您的回答，可能还要办：" + "、".join(pending_titles) + "，相应材料在方案里列出。")
    return "\n".join(lines)


def step_status(route_name: str, title: str, state: str, deciding: list[str]) -> str:
    """Whether one step of the route applies ("要刻章吗"): it does, it does not, or it depends."""
    if state == "applies":
        return f"按您的情况，“{route_name}”需要办理“{title}”。"
    if state == "skipped":
        return f"按您目前的回答，“{route_name}”不需要办理“{title}”。"
    return f"“{title}”是否要办，取决于：" + "；".join(deciding) + "。"


def proxy(name: str | None, faq: Faq | None, in_person: str | None = None) -> str:
    """Someone else handing it in: the item's own rule when it must be done in person, else the practice."""
    head = f"关于“{name}”：" if name else ""
    if in_person:
        return f"{head}不能委托他人代办。{in_person.rstrip('。')}。"
    body = faq.answer if faq else "多数事项可以委托他人代办，代办人需携带本人身份证和委托书，具体以办事指南为准。"
    return head + body
