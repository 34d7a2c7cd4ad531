"""Agreements and applications as the tests use them: a wage arrears case of a construction worker."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.documents import (
    AgreementEmployer,
    AgreementTerm,
    AgreementWorker,
    Applicant,
    ArbitrationApplication,
    Claim,
    ClaimKind,
    EvidenceEntry,
    MediationAgreement,
    Respondent,
    Sex,
)

MALE_ID = "420112199003071235"      # born 1990-03-07, male (check digit 5)
FEMALE_ID = "42010619851120002X"    # born 1985-11-20, female (check digit X)

WAGES = AgreementTerm(description="支付2026年8月至10月拖欠工资", kind=ClaimKind.WAGES, amount=Decimal("12500"),
                      due_on=date(2026, 12, 15))
CERTIFICATE = AgreementTerm(description="出具解除劳动合同证明", due_on=date(2026, 12, 1))


def agreement(*terms: AgreementTerm, effective: bool = False) -> MediationAgreement:
    return MediationAgreement(
        number="LD-2026-000123",
        worker=AgreementWorker(name="张三", phone="+8613800000000"),
        employer=AgreementEmployer(name="武汉鸿达建筑劳务有限公司", address="武汉市东西湖区临空港大道100号",
                                   contact="李经理 027-8888 8888"),
        centre="吴家山街道劳动争议调解中心", mediator="王调解员", matters=["拖欠2026年8月至10月工资"],
        terms=list(terms) or [WAGES, CERTIFICATE], made_on=date(2026, 11, 24),
        effective_on=date(2026, 11, 24) if effective else None, confirm_by=date(2026, 12, 9) if effective else None,
    )


def application() -> ArbitrationApplication:
    return ArbitrationApplication(
        number="LD-2026-000123", committee="武汉市东西湖区劳动人事争议仲裁委员会",
        applicant=Applicant(name="张三", sex=Sex.MALE, born_on=date(1990, 3, 7), id_number=MALE_ID,
                            address="武汉市东西湖区吴家山街道新城社区5栋", phone="+8613800000000",
                            work_unit="武汉鸿达建筑劳务有限公司"),
        respondent=Respondent(name="武汉鸿达建筑劳务有限公司", address="武汉市东西湖区临空港大道100号",
                              phone="027-88888888", legal_representative="赵大海"),
        claims=[Claim(text="支付拖欠工资", amount=Decimal("12500"))],
        facts=["2026年8月至10月的工资一直未发。"],
        evidence=[EvidenceEntry(description="考勤记录照片", source="申请人提供", witness="李四，武汉市东西湖区")],
        drafted_on=date(2026, 12, 10),
    )
