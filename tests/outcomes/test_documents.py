"""The agreement and the arbitration application as files: read back with python-docx and pypdf, in
Chinese, with the East Asian font named on every DOCX run and the CJK font embedded in the PDF."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from docx import Document
from docx.oxml.ns import qn
from pydantic import ValidationError
from pypdf import PdfReader

from bot.documents import (
    AgreementTerm,
    Applicant,
    ApplicationDetails,
    ClaimKind,
    DocumentFontMissing,
    Sex,
    agreement_layout,
    amount_in_capitals,
    application_from_case,
    application_layout,
    files,
    read_resident_id,
    to_docx,
    to_pdf,
)
from bot.intake.draft import EvidenceItem
from tests.outcomes.builders import CERTIFICATE, FEMALE_ID, MALE_ID, WAGES, agreement, application

# What the agreement must say (Art. 14 and the note on review and confirmation), in Chinese.
AGREEMENT_SAYS = (
    "劳动争议调解协议书", "LD-2026-000123",
    "张三", "+8613800000000",                                          # the worker
    "武汉鸿达建筑劳务有限公司", "武汉市东西湖区临空港大道100号", "李经理",   # the employer
    "吴家山街道劳动争议调解中心", "王调解员",                            # the centre and the mediator
    "拖欠2026年8月至10月工资",                                          # the matter in dispute
    "支付2026年8月至10月拖欠工资", "¥12,500.00", "人民币壹万贰仟伍佰元整", "2026年12月15日前",
    "出具解除劳动合同证明", "2026年12月1日前",
    "劳动者（签名）", "用人单位（盖章）", "调解员（签名）", "调解组织（盖章）",   # the four places to sign or seal
    "十五日内", "仲裁审查", "第十四条", "第十五条",
)


def docx_text(content: bytes) -> str:
    return "\n".join(paragraph.text for paragraph in Document(BytesIO(content)).paragraphs)


def pdf_text(content: bytes) -> str:
    # Lines are broken between characters: read the text as one run.
    return "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages).replace("\n", "")


def test_the_agreement_reads_back_from_the_docx_in_chinese() -> None:
    text = docx_text(to_docx(agreement_layout(agreement())))
    for expected in AGREEMENT_SAYS:
        assert expected in text, expected
    assert "支付令" in text, "a wage term: the worker is told of the payment order (Art. 16)"


def test_the_agreement_reads_back_from_the_pdf_in_chinese() -> None:
    text = pdf_text(to_pdf(agreement_layout(agreement())))
    for expected in AGREEMENT_SAYS:
        assert expected in text, expected


def test_the_payment_order_is_offered_only_for_the_four_kinds_of_claim() -> None:
    other = AgreementTerm(description="返还押金", kind=ClaimKind.OTHER, amount=Decimal("500"), due_on=date(2026, 12, 1))
    assert "支付令" not in docx_text(to_docx(agreement_layout(agreement(other, CERTIFICATE))))
    for kind in (ClaimKind.WAGES, ClaimKind.INJURY_MEDICAL, ClaimKind.ECONOMIC_COMPENSATION, ClaimKind.DAMAGES):
        term = AgreementTerm(description="支付款项", kind=kind, amount=Decimal("500"), due_on=date(2026, 12, 1))
        assert "支付令" in docx_text(to_docx(agreement_layout(agreement(term)))), kind


def test_once_in_effect_the_agreement_gives_the_last_day_for_review_and_confirmation() -> None:
    draft = docx_text(to_docx(agreement_layout(agreement())))
    effective = docx_text(to_docx(agreement_layout(agreement(effective=True))))
    assert "2026年12月9日" not in draft
    assert "本协议于2026年11月24日生效，审查确认申请应不迟于2026年12月9日提出。" in effective


def test_every_docx_run_names_an_east_asian_font_and_no_theme_font_overrides_it() -> None:
    document = Document(BytesIO(to_docx(agreement_layout(agreement()))))
    runs = [run for paragraph in document.paragraphs for run in paragraph.runs]
    assert len(runs) > 20
    for run in runs:
        fonts = run._element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) in ("宋体", "黑体"), run.text
        assert fonts.get(qn("w:eastAsiaTheme")) is None, run.text
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsiaTheme")) is None
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297), "A4"


def embedded_fonts(content: bytes) -> list[tuple[str, str, list[str]]]:
    """(base font, subtype, the font program streams its descriptor holds) of every font the pages use."""
    found = []
    for page in PdfReader(BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            programs = [key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor]
            found.append((str(font["/BaseFont"]), str(descendant["/Subtype"]), programs))
    return found


def test_the_pdf_embeds_its_cjk_font() -> None:
    fonts = embedded_fonts(to_pdf(agreement_layout(agreement())))
    assert fonts
    for name, subtype, programs in fonts:
        # A subset (its tag before the "+") of WenQuanYi Micro Hei's TrueType outlines, embedded.
        assert name.endswith("+WenQuanYiMicroHei"), name
        assert (subtype, programs) == ("/CIDFontType2", ["/FontFile2"]), name


def test_a_missing_font_says_how_to_install_it(tmp_path) -> None:
    with pytest.raises(DocumentFontMissing, match="make deps"):
        to_pdf(agreement_layout(agreement()), font_file=tmp_path / "none.ttc")


def test_the_files_are_named_and_typed() -> None:
    docx, pdf = files(agreement_layout(agreement()), "劳动争议调解协议书-LD-2026-000123")
    assert (docx.name, docx.mime) == ("劳动争议调解协议书-LD-2026-000123.docx",
                                      "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert (pdf.name, pdf.mime) == ("劳动争议调解协议书-LD-2026-000123.pdf", "application/pdf")
    assert pdf.content.startswith(b"%PDF") and docx.content.startswith(b"PK")


def test_in_english_for_a_reader_who_asked_for_it() -> None:
    text = docx_text(to_docx(agreement_layout(agreement(), locale="en")))
    assert "Labour Dispute Mediation Agreement" in text
    assert "Worker (signature)" in text and "人民币壹万贰仟伍佰元整" in text


APPLICATION_SAYS = (
    "劳动人事争议仲裁申请书", "申请人", "张三", "性别：男", "出生日期：1990年3月7日", MALE_ID,
    "武汉市东西湖区吴家山街道新城社区5栋", "+8613800000000", "工作单位：武汉鸿达建筑劳务有限公司",
    "被申请人", "武汉市东西湖区临空港大道100号", "027-88888888", "法定代表人（主要负责人）：赵大海",
    "仲裁请求", "支付拖欠工资", "人民币壹万贰仟伍佰元整", "事实和理由", "2026年8月至10月的工资一直未发。",
    "证据和证据来源", "考勤记录照片", "申请人提供", "李四，武汉市东西湖区",
    "此致", "武汉市东西湖区劳动人事争议仲裁委员会", "申请人（签名）", "2026年12月10日",
)


@pytest.mark.parametrize("read", [lambda layout: docx_text(to_docx(layout)), lambda layout: pdf_text(to_pdf(layout))],
                         ids=["docx", "pdf"])
def test_the_application_reads_back_with_what_rules_art_29_asks(read) -> None:
    text = read(application_layout(application()))
    for expected in APPLICATION_SAYS:
        assert expected.replace("\n", "") in text, expected


def case_with(**fields):
    from datetime import UTC, datetime

    from bot.cases import Case, DisputeKind, Mediation

    at = datetime(2026, 12, 10, 2, tzinfo=UTC)
    return Case(id=7, number="LD-2026-000123", worker_id=1, kind=DisputeKind.WAGES, mediation=Mediation.ENDED,
                fields=fields, created_at=at, updated_at=at)


DETAILS = ApplicationDetails(id_number=FEMALE_ID.lower(), address="武汉市东西湖区新城社区5栋",
                             employer_address="武汉市东西湖区临空港大道100号", legal_representative="赵大海")


def test_the_draft_application_is_built_from_the_case_and_the_details_asked_on_referral() -> None:
    case = case_with(name="王芳", phone="+8613900000000", employer="武汉鸿达建筑劳务有限公司", claim="支付拖欠工资",
                     amount="8600", period={"start": "2026-08-01", "end": "2026-10-31"},
                     description="老板一直拖着不发工资。", evidence_held="工资条和微信聊天记录")
    evidence = [EvidenceItem(file_id="f1", file_unique_id="u1", type="photo", name="考勤表.jpg")]
    draft = application_from_case(case, DETAILS, evidence, committee="东西湖区劳动人事争议仲裁委员会",
                                  drafted_on=date(2026, 12, 10))
    assert (draft.applicant.sex, draft.applicant.born_on, draft.applicant.id_number) == (
        Sex.FEMALE, date(1985, 11, 20), FEMALE_ID), "sex and date of birth come from the identity number"
    assert draft.claims[0].amount == Decimal("8600")
    text = docx_text(to_docx(application_layout(draft)))
    for expected in ("王芳", "性别：女", "1985年11月20日", "老板一直拖着不发工资。",
                     "拖欠期间：2026年8月1日至2026年10月31日", "被欠金额：¥8,600.00",
                     "考勤表.jpg；证据来源：申请人随案提交", "工资条和微信聊天记录；证据来源：申请人持有"):
        assert expected in text, expected


def test_a_case_without_the_workers_name_cannot_make_an_application() -> None:
    from bot.documents import CaseNotReady

    with pytest.raises(CaseNotReady, match="name"):
        application_from_case(case_with(employer="某公司", claim="工资", description="未发工资"), DETAILS, [],
                              committee="仲裁委", drafted_on=date(2026, 12, 10))


@pytest.mark.parametrize(("amount", "words"), [
    ("12500", "人民币壹万贰仟伍佰元整"),
    ("10005", "人民币壹万零伍元整"),
    ("1000500", "人民币壹佰万零伍佰元整"),
    ("20000000", "人民币贰仟万元整"),
    ("100010000", "人民币壹亿零壹万元整"),
    ("10", "人民币壹拾元整"),
    ("12.05", "人民币壹拾贰元零伍分"),
    ("1680.32", "人民币壹仟陆佰捌拾元叁角贰分"),
    ("0.50", "人民币伍角"),
    ("0", "人民币零元整"),
])
def test_amounts_in_the_capitals_of_chinese_financial_writing(amount: str, words: str) -> None:
    assert amount_in_capitals(Decimal(amount)) == words


@pytest.mark.parametrize(("number", "born_on", "sex"), [
    (MALE_ID, date(1990, 3, 7), Sex.MALE),
    (FEMALE_ID, date(1985, 11, 20), Sex.FEMALE),
    (FEMALE_ID.lower(), date(1985, 11, 20), Sex.FEMALE),
    ("420112199003071234", None, None),   # wrong check digit
    ("420112199002301231", None, None),   # 30 February
    ("42011219900307123", None, None),    # too short
])
def test_resident_identity_numbers(number: str, born_on: date | None, sex: Sex | None) -> None:
    read = read_resident_id(number)
    assert (read.born_on, read.sex) == (born_on, sex) if born_on else read is None


def test_the_models_refuse_what_a_printed_paper_could_not_say() -> None:
    with pytest.raises(ValidationError, match="date it is due"):
        AgreementTerm(description="支付工资", kind=ClaimKind.WAGES, amount=Decimal("100"))
    with pytest.raises(ValidationError):
        AgreementTerm(description="支付工资", amount=Decimal("100.001"), due_on=date(2026, 12, 1))
    with pytest.raises(ValidationError, match="does not match"):
        Applicant(name="张三", sex=Sex.FEMALE, born_on=date(1990, 3, 7), id_number=MALE_ID, address="武汉",
                  phone="1", work_unit="某公司")
    with pytest.raises(ValidationError, match="effect before"):
        agreement().model_copy(update={}).model_validate(
            {**agreement().model_dump(), "effective_on": date(2026, 11, 1)})
    assert [term.kind for term in (WAGES, CERTIFICATE)] == [ClaimKind.WAGES, ClaimKind.OTHER]


def test_without_the_id_number_the_application_leaves_it_and_the_sex_blank() -> None:
    from bot.documents import SIGNATURE_BLANK, to_pdf

    case = case_with(name="王芳", phone="+8613900000000", employer="武汉鸿达建筑劳务有限公司", claim="支付拖欠工资",
                     description="老板一直拖着不发工资。")
    details = ApplicationDetails(born_on=date(1985, 11, 20), address="武汉市东西湖区新城社区5栋")
    draft = application_from_case(case, details, [], committee="东西湖区劳动人事争议仲裁委员会",
                                  drafted_on=date(2026, 12, 10))
    assert (draft.applicant.id_number, draft.applicant.sex) == (None, None)
    layout = application_layout(draft)
    for text in (docx_text(to_docx(layout)), pdf_text(to_pdf(layout))):
        assert "出生日期：1985年11月20日" in text
        for blank in ("性别", "身份证号码", "法定代表人（主要负责人）"):
            assert f"{blank}：{SIGNATURE_BLANK}" in text, blank
    with pytest.raises(ValidationError, match="date of birth"):
        ApplicationDetails(address="武汉")
