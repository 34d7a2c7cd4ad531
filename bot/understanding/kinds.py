"""The kind of dispute a message describes: platform work, a labour-contract matter or unpaid wages.

Who the worker is decides platform work (a rider's unpaid pay is still a platform case: the intake
then asks about the platform and the relation). Otherwise the matters described are weighed: each
cue adds its weight to its kind and the heavier kind wins, so "试用期工资不给" is wages (what is owed)
while "没签合同 被辞退 想要双倍工资" is a contract matter. Workers rarely name the legal matter; they tell
what happened ("老板跑路了", "工头说没钱", "手指被冲床压断", "第二天不用来上班了"), so the cues are
mostly such descriptions. The worker confirms the kind in the intake; a wrong guess costs one tap.
"""

from __future__ import annotations

import re

from bot.understanding.parties import Kind

# Who the worker is: riders, couriers, drivers and their stations, and what only platforms do to them.
_PLATFORM_WORK = re.compile(
    r"外卖|骑手|众包|专送|跑单|跑[一两几\d]+单|接单|派单|送单|抢单|网约车|顺风车|快递|配送员|送餐|跑腿|代驾|平台|"
    r"站长|站点|驿站|网点|封号|被封|信誉分|服务分|扣分|积分被扣|差评|每单|订单|配送|"
    r"rider|courier|delivery|ride-hailing|ride hailing|gig|per order|station manager"
)

# (cue, weight): 3 for an injury (a matter of its own, whatever else is said), 2 for a cue that names
# the matter, 1 for a word that only leans one way.
_CONTRACT_CUES: tuple[tuple[str, int], ...] = (
    (r"工伤|受伤|摔伤|砸伤|撞伤|烫伤|骨折|残疾|伤残|截肢|剧痛|满手是血|[压切截打轧夹砸]断|断了?[手脚腿指]|"
     r"[手脚腿腰头指][^，。！？\n]{0,6}(?:断|伤|骨折)|住院|医药费|治疗费|医疗费|手术|私了|职业病|"
     r"injur|hurt|accident at work|broke my", 3),
    (r"辞退|辞推|被辞|辞了我|开除|解雇|被炒|炒了|炒鱿鱼|裁员|被裁|劝退|解除[^，。！？\n]{0,4}(?:合同|关系)|"
     r"不用[^，。！？\n]{0,6}上班了|不用来了|别来了|逼[^，。！？\n]{0,6}(?:辞职|离职)|被迫(?:辞职|离职)|自动离职|"
     r"调岗|降薪|怀孕|产假|双倍工资|经济补偿|赔偿金|n\+1|2n|"
     r"(?:没|未|不)[^，。！？\n]{0,3}签[^，。！？\n]{0,6}合同|合同[^，。！？\n]{0,2}(?:没|未)签|社保|社宝|五险|公积金|"
     r"社会保险|养老保险|医疗保险|保险[^，。！？\n]{0,2}(?:没|未|不)[^，。！？\n]{0,3}[交缴]|"
     r"(?:没|未|不)[^，。！？\n]{0,4}[交缴][^，。！？\n]{0,6}保险|"
     r"加班[^，。！？\n]{0,6}(?:小时|个钟)|没有?(?:周六|周日|周末|休息)|不让休息|休息日|"
     r"contract|dismiss|fired|laid off|layoff|terminated|social insurance|probation|severance|pension|pregnan", 2),
    (r"合同|试用期|试用其|补偿|赔偿|劳动关系|辞职|离职", 1),
)
_WAGE_CUES: tuple[tuple[str, int], ...] = (
    (r"欠薪|讨薪|欠心|拖欠|血汗钱|工钱|克扣|扣钱|扣工资|扣了|罚款|没钱|不给钱|要钱|讨钱|"
     r"欠[^，。！？\n]{0,6}(?:工资|工钱|薪|钱|块|元|万|千)|"
     r"(?:工资|公资|薪水|薪资|工钱)[^。！？\n]{0,8}(?:没|不|未)有?(?:发|给|结|付|到账|进账)|"
     r"(?:没|未)(?:拿到|领到|结清|付清|发放)|一分(?:钱)?[也都]?没|要回[^。！？\n]{0,16}(?:工资|工钱|钱)|结算工资|工资结算|"
     r"跑路|跑了|失踪|不见了|不见踪影|没了踪影|联系不上|失联|人间蒸发|下落|找不到[人他她]|卷[^，。！？\n]{0,4}(?:钱|款|跑|走)|"
     r"包工头|工头|带班|班组长|"
     r"unpaid|not paid|owed|owes|\bowe\b|ran off|ran away|disappeared|vanished|foreman|contractor", 2),
    (r"工资|公资|薪|提成|奖金|加班费|结账|结算|欠|没发|不发|未发|少发|没给|不给|还差|钱|salary|wage|\bpay\b|paid", 1),
)


def _compile(cues: tuple[tuple[str, int], ...]) -> tuple[tuple[re.Pattern[str], int], ...]:
    return tuple((re.compile(pattern), weight) for pattern, weight in cues)


_CONTRACT = _compile(_CONTRACT_CUES)
_WAGES = _compile(_WAGE_CUES)


def _weight(folded: str, cues: tuple[tuple[re.Pattern[str], int], ...]) -> int:
    """Each distinct cue found counts once: saying "拖欠" three times does not make it more wages."""
    return sum(weight * len({match.group() for match in pattern.finditer(folded)}) for pattern, weight in cues)


def find_kind(folded: str, platform: str | None) -> Kind | None:
    """The kind a normalised, case-folded message describes, or None when it describes no dispute."""
    if platform or _PLATFORM_WORK.search(folded):
        return Kind.PLATFORM
    contract, wages = _weight(folded, _CONTRACT), _weight(folded, _WAGES)
    if contract == wages == 0:
        return None
    return Kind.CONTRACT if contract > wages else Kind.WAGES
