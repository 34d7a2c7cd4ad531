"""Bring a message typed on a phone into one form the extractors can match.

Every step keeps the text's length unchanged after the cap, so positions found by one extractor
can be compared with another's.
"""

from __future__ import annotations

import unicodedata

# Longer messages are cut: the facts come first in practice, and a cap bounds the work per message.
MAX_CHARS = 5000

# Traditional -> Simplified for the characters our keywords, numbers, places and platforms use.
# A table rather than a conversion library: the vocabulary we match is small and fixed.
_TRADITIONAL = (
    "萬億兩貳參叄陸個們號錢塊圓資薪發給還說讓對幾來後時間裡裏賠償經濟補險勞動約車騎單區漢東銀長園嶺馬軍徑"
    "會陽華鎮鄉場農橋積從開這沒麼嗎餓閃順豐遞達極韻滿幫運貨點週禮過現戶帳賬罰違規雙簽訂書製職傷醫療處討問題"
    "總計義學務築設裝飯鋪貿責產團業專電話員實際辭僱倆攤歲嗎為與兒頭見聽買賣雲網間關係內約絡線離結齊餘餐飲廠"
    "蓋樓層門駕遲幹乾閒闆闖億併紀錄簡証證據轉帳臺灣處並傭雇夥齡"
    "進當費斷腳藥術護體變調崗懷壓蹤聯繫領驛剛數臉邊營夠難續樣舊選請")
_SIMPLIFIED = (
    "万亿两贰参叁陆个们号钱块圆资薪发给还说让对几来后时间里里赔偿经济补险劳动约车骑单区汉东银长园岭马军径"
    "会阳华镇乡场农桥积从开这没么吗饿闪顺丰递达极韵满帮运货点周礼过现户账账罚违规双签订书制职伤医疗处讨问题"
    "总计义学务筑设装饭铺贸责产团业专电话员实际辞雇俩摊岁吗为与儿头见听买卖云网间关系内约络线离结齐余餐饮厂"
    "盖楼层门驾迟干干闲板闯亿并纪录简证证据转账台湾处并佣雇伙龄"
    "进当费断脚药术护体变调岗怀压踪联系领驿刚数脸边营够难续样旧选请")
_TO_SIMPLIFIED = str.maketrans(_TRADITIONAL, _SIMPLIFIED)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _normalise_char(char: str) -> str:
    """One character in, one character out: control and invisible characters become spaces."""
    if unicodedata.category(char)[0] == "C":
        return " "
    folded = unicodedata.normalize("NFKC", char)
    # NFKC turns full-width digits and letters into ASCII; expansions ("㎡" -> "m2") are left alone.
    return folded if len(folded) == 1 else char


def normalise(text: str) -> str:
    """Capped, Simplified, half-width text with the original's letter case (employer names keep it)."""
    capped = text[:MAX_CHARS]
    return "".join(_normalise_char(char) for char in capped).translate(_TO_SIMPLIFIED)


def fold_case(text: str) -> str:
    """ASCII lower case only, so positions stay the same as in `text`."""
    return text.translate(_ASCII_LOWER)
