"""The notice's rules applied to a loaded city: every error and warning at once, each with its path.

All numbers and lists (quotas, allowed modes, thresholds, deadlines) come from the edition's
``rules.toml``; this module holds only the logic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from . import uscc
from .attachments import AttachmentReader
from .cnformat import cn_date
from .edition import DEFAULT_EDITION, CategoryRules, Edition, available, load_edition
from .editionfiles import rule_texts
from .errors import EditionError, EditionNotFound, Finding
from .model import Application, City

# Applicant fields every category that has a credit code must fill in.
_ENTITY_FIELDS = {
    "address": "地址",
    "postcode": "邮政编码",
    "legal_representative": "法定代表人",
    "established_on": "成立时间",
    "registered_capital": "注册资本",
    "ownership": "企业性质",
    "industry": "所属行业",
    "listed": "是否上市",
}


def validate(
    city: City,
    *,
    edition: Edition | None = None,
    edition_dirs: Sequence[Path] = (),
    allow_absolute: bool = False,
    font_dirs: Sequence[Path] = (),
    attachments: AttachmentReader | None = None,
    compose_documents: bool = True,
) -> list[Finding]:
    """Check ``city`` against its edition's rules; return every finding (errors and warnings).

    ``attachments`` reads each attachment once; the build passes its own, so that what it hashes
    and binds are the bytes checked here. ``compose_documents`` False leaves the check of the
    composed documents' text to the caller: the build composes them anyway and checks them,
    with the bundle's own text, in its compose stage (the fields are checked here all the same).

    This includes everything ``build`` would refuse later: every text must be printable with
    the fonts of ``font_dirs`` and the system (:func:`docgen.printable.check_printable`: no
    invisible or control characters, no text over its field's maximum length, no character
    without a font), so that a city that passes ``validate`` builds.
    """
    if edition is None:
        try:
            edition = load_edition(city.edition, edition_dirs)
        except EditionError as exc:
            return _edition_findings(exc, city.edition, edition_dirs)
    findings: list[Finding] = []
    findings += _check_city(city, edition)
    findings += _check_duplicates(city)
    findings += _check_quotas(city, edition)
    findings += _check_letter(city, edition)
    for i, app in enumerate(city.applications):
        findings += _check_application(city, edition, i, app)
    # The forms hold nothing of the attachments' files: their problems do not keep the forms
    # from being composed, and are asked for last (``docgen validate`` has them checked in a
    # worker process meanwhile).
    compose = compose_documents and not _has_errors(findings)
    findings += _check_printable(city, edition, font_dirs, compose=compose)
    reader = attachments or AttachmentReader(city.base_dir, allow_absolute=allow_absolute)
    findings += _check_attachment_files(city, edition, reader)
    return sorted(set(findings), key=_order)


def _edition_findings(
    exc: EditionError, edition_id: str, edition_dirs: Sequence[Path]
) -> list[Finding]:
    """The city's edition is missing (with the editions there are) or broken (every problem
    of it, each naming its file and key)."""
    if not isinstance(exc, EditionNotFound):
        return [Finding("edition", "error", f"版本“{edition_id}”有误：{p}") for p in exc.problems]
    names = available(edition_dirs)
    hint = "请检查 edition 的取值"
    try:
        known = DEFAULT_EDITION if DEFAULT_EDITION in names else next(iter(names), None)
        default = load_edition(known, edition_dirs) if known else None
    except EditionError:
        default = None
    if default is not None:
        hint = rule_texts(default).messages.unknown_edition.format(
            edition=edition_id, available="、".join(names)
        )
    return [Finding("edition", "error", f"{exc}；{hint}")]


def _has_errors(findings: Sequence[Finding]) -> bool:
    return any(f.level == "error" for f in findings)


def _check_printable(
    city: City, edition: Edition, font_dirs: Sequence[Path], *, compose: bool
) -> list[Finding]:
    """The printability check ``build`` runs, with the fonts it would use. The forms are
    composed (to check their fixed text too) only for a city without other errors: composing
    an invalid city is not safe, and its fields are checked all the same."""
    from .errors import FontError
    from .printable import check_printable
    from .render.fonts import resolve_fonts

    try:
        fonts = resolve_fonts(font_dirs)
    except FontError as exc:
        return [Finding("（字体）", "warning", f"未能检查每个字符是否有字体可以显示：{exc}")]
    return check_printable(city, edition, fonts, None if compose else [])


def _order(f: Finding) -> tuple[object, ...]:
    from .errors import _finding_order

    return _finding_order(f)


def _check_city(city: City, edition: Edition) -> list[Finding]:
    out: list[Finding] = []
    deadline = edition.rules.edition.deadline
    if city.submitted_on > deadline:
        text = rule_texts(edition).messages.late_submission
        out.append(
            Finding(
                "submitted_on",
                "warning",
                text.format(submitted_on=cn_date(city.submitted_on), deadline=cn_date(deadline)),
            )
        )
    if not city.applications:
        out.append(Finding("applications", "warning", "没有任何申报项目：汇总表将为空"))
    return out


def _check_letter(city: City, edition: Edition) -> list[Finding]:
    """The submission letter (报送函): what it will leave blank or guess, as warnings."""
    from .compose.letter import agency_prefix, document_number

    try:
        prefix, derived = agency_prefix(city, edition)
        number, given = document_number(city, edition)
    except EditionError as exc:
        return [Finding("edition", "error", str(exc))]
    letter = city.letter
    out: list[Finding] = []
    guessed = (
        f"机关代字“{prefix}”由城市名称推出，如与本局代字不同请在 letter.prefix 中填写"
        if derived
        else ""
    )
    if not given:
        out.append(
            Finding(
                "letter.number" if letter else "letter",
                "warning",
                f"报送函没有发文字号的序号，将印为“{number}”，留空待手写；"
                f'可在 letter.number 中填写序号（如 "45"）' + (f"；{guessed}" if guessed else ""),
            )
        )
    elif derived:
        out.append(Finding("letter.prefix", "warning", f"报送函发文字号“{number}”中的{guessed}"))
    if letter is not None and letter.replace and not (letter.paragraph or "").strip():
        out.append(
            Finding(
                "letter.replace",
                "error",
                "letter.replace 为 true 时须在 letter.paragraph 中写出取代的正文段落",
            )
        )
    contact = letter.contact if letter is not None and letter.contact else city.city.contact
    if not (contact.phone or contact.mobile):
        where = "letter.contact" if letter is not None and letter.contact else "city.contact"
        out.append(Finding(where, "warning", "报送函附注没有联系电话：请填写 phone 或 mobile"))
    return out


def _check_duplicates(city: City) -> list[Finding]:
    out: list[Finding] = []
    by_id: dict[str, list[int]] = defaultdict(list)
    by_code: dict[str, list[int]] = defaultdict(list)
    for i, app in enumerate(city.applications):
        by_id[app.id].append(i)
        if app.applicant.uscc:
            by_code[app.applicant.uscc.strip().upper()].append(i)
    for app_id, idx in by_id.items():
        if len(idx) > 1:
            places = "、".join(f"applications[{i}]" for i in idx)
            for i in idx:
                out.append(
                    Finding(
                        f"applications[{i}].id",
                        "error",
                        f"编号“{app_id}”重复（{places}）；每个申报的 id 必须唯一",
                    )
                )
    for code, idx in by_code.items():
        if len(idx) > 1:
            names = "、".join(f"{city.applications[i].id}" for i in idx)
            for i in idx:
                out.append(
                    Finding(
                        f"applications[{i}].applicant.uscc",
                        "error",
                        f"统一社会信用代码 {code} 在本文件中出现多次（{names}）；同一申报主体只能申报一次",
                    )
                )
    return out


def _check_quotas(city: City, edition: Edition) -> list[Finding]:
    out: list[Finding] = []
    groups: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    cats = edition.rules.categories
    for i, app in enumerate(city.applications):
        cat = cats.get(app.category)
        if cat is None:
            continue
        sub = cat.subtypes.get(app.subtype or "")
        if sub is not None and sub.quota is not None:
            groups[(app.category, app.subtype)].append(i)
        elif cat.quota is not None:
            groups[(app.category, None)].append(i)
    for (category, subtype), idx in groups.items():
        cat = cats[category]
        sub = cat.subtypes.get(subtype or "") if subtype else None
        if sub is not None:
            limit = sub.quota or 0
            if city.city.extra_platform_quota and sub.extra_quota is not None:
                limit = sub.extra_quota
            label = f"{cat.label}（{sub.label}）"
        else:
            limit = cat.quota or 0
            label = cat.label
        if len(idx) <= limit:
            continue
        ids = "、".join(city.applications[i].id for i in idx)
        texts = rule_texts(edition).messages
        hint = ""
        if sub is not None and sub.extra_quota is not None and not city.city.extra_platform_quota:
            hint = texts.extra_quota_hint.format(extra_quota=sub.extra_quota)
        message = texts.over_quota.format(
            city=city.city.name, label=label, count=len(idx), ids=ids, limit=limit, hint=hint
        )
        for i in idx[limit:]:
            out.append(Finding(f"applications[{i}].category", "error", message))
    return out


@dataclass(frozen=True)
class _AppCheck:
    """One application under check: the city, the edition, the application's path in the
    city file (``p``), the application and its category's rules."""

    city: City
    edition: Edition
    p: str
    app: Application
    cat: CategoryRules

    @property
    def subtype_known(self) -> bool:
        """The category has no subtypes, or the application names one of them (otherwise the
        subtype's error says what to fix first: the modes and the form depend on it)."""
        return not self.cat.subtypes or self.app.subtype in self.cat.subtypes


def _check_application(city: City, edition: Edition, i: int, app: Application) -> list[Finding]:
    p = f"applications[{i}]"
    rules = edition.rules
    cat = rules.categories.get(app.category)
    if cat is None:
        allowed = "、".join(rules.categories)
        return [
            Finding(
                f"{p}.category", "error", f"本版本没有申报类别“{app.category}”；应为：{allowed}"
            )
        ]
    a = _AppCheck(city, edition, p, app, cat)
    out: list[Finding] = []
    for check in _APPLICATION_CHECKS:
        out += check(a)
    return out


def _check_subtype(a: _AppCheck) -> list[Finding]:
    p, app, cat = a.p, a.app, a.cat
    if not cat.subtypes:
        if app.subtype is not None:
            return [Finding(f"{p}.subtype", "error", f"{cat.label}不分类型，请删除 subtype")]
        return []
    choices = "、".join(f"{k}（{v.label}）" for k, v in cat.subtypes.items())
    if app.subtype is None:
        return [Finding(f"{p}.subtype", "error", f"{cat.label}必须填写类型 subtype：{choices}")]
    if app.subtype not in cat.subtypes:
        return [
            Finding(
                f"{p}.subtype",
                "error",
                f"{cat.label}的类型不能是“{app.subtype}”；应为：{choices}",
            )
        ]
    return []


def _check_mode(a: _AppCheck) -> list[Finding]:
    p, app, cat, modes = a.p, a.app, a.cat, a.edition.rules.modes
    allowed_modes = cat.allowed_modes(app.subtype)
    if not cat.modes and not any(s.modes for s in cat.subtypes.values()):
        if app.mode is not None:
            return [
                Finding(
                    f"{p}.mode", "warning", f"{cat.label}不填写服务型制造模式，“{app.mode}”将被忽略"
                )
            ]
        return []
    if not a.subtype_known:
        return []  # the subtype error says what to fix first; the modes depend on it
    if app.mode is None:
        return [
            Finding(
                f"{p}.mode",
                "error",
                f"缺少服务型制造模式 mode；{cat.label}可选：{'、'.join(allowed_modes)}",
            )
        ]
    if app.mode not in modes:
        return [
            Finding(
                f"{p}.mode",
                "error",
                f"“{app.mode}”不是通知列出的服务型制造模式；应为：{'、'.join(modes)}",
            )
        ]
    if app.mode not in allowed_modes:
        sub = cat.subtypes.get(app.subtype or "")
        who = f"{cat.label}（{sub.label}）" if sub else cat.label
        return [
            Finding(
                f"{p}.mode",
                "error",
                f"{who}不能选择“{app.mode}”模式；可选：{'、'.join(allowed_modes)}",
            )
        ]
    return []


def _check_title(a: _AppCheck) -> list[Finding]:
    if a.cat.requires_title and not (a.app.title and a.app.title.strip()):
        return [Finding(f"{a.p}.title", "error", f"{a.cat.label}必须填写平台或项目名称 title")]
    return []


def _check_platform(a: _AppCheck) -> list[Finding]:
    p, app, cat = a.p, a.app, a.cat
    if cat.platform_info:
        if app.platform is None:
            return [
                Finding(
                    f"{p}.platform",
                    "error",
                    f"{cat.label}必须填写 platform（含正式投入运营时间 launched_on）",
                )
            ]
        return _check_platform_age(a.city, a.edition, p, app)
    if app.platform is not None:
        categories = a.edition.rules.categories.values()
        who = "、".join(c.label for c in categories if c.platform_info) or "无"
        return [Finding(f"{p}.platform", "error", f"只有{who}填写 platform；{cat.label}请删除该项")]
    return []


def _check_uscc(a: _AppCheck) -> list[Finding]:
    """The applicant's credit code: present where required, well-formed, registered here."""
    p, code, division = a.p, a.app.applicant.uscc, a.city.city.division_code
    out: list[Finding] = []
    if a.cat.requires_uscc and not code:
        out.append(Finding(f"{p}.applicant.uscc", "error", "缺少统一社会信用代码（18位）"))
    if code:
        problem = uscc.problem(code)
        if problem:
            out.append(
                Finding(f"{p}.applicant.uscc", "error", f"统一社会信用代码“{code}”{problem}")
            )
        elif code[2:8] != division:
            out.append(
                Finding(
                    f"{p}.applicant.uscc",
                    "warning",
                    f"统一社会信用代码第3–8位为{code[2:8]}，不在本市行政区划代码{division}下（在外地登记）；请确认申报主体在本市",
                )
            )
    return out


def _check_entity(a: _AppCheck) -> list[Finding]:
    """The applicant's registration fields (where the category has a credit code) and its
    founding date, which cannot be later than the submission."""
    p, applicant = a.p, a.app.applicant
    out: list[Finding] = []
    if a.cat.requires_uscc:
        for field, label in _ENTITY_FIELDS.items():
            if getattr(applicant, field) is None:
                out.append(Finding(f"{p}.applicant.{field}", "error", f"缺少{label}（{field}）"))
        if applicant.listed and not applicant.stock_code:
            out.append(
                Finding(f"{p}.applicant.stock_code", "error", "上市企业须填写股票代码 stock_code")
            )
    est = applicant.established_on
    if est is not None and est > a.city.submitted_on:
        out.append(
            Finding(
                f"{p}.applicant.established_on",
                "error",
                f"成立时间 {est.isoformat()} 晚于申报日期 {a.city.submitted_on.isoformat()}",
            )
        )
    return out


def _check_financials_given(a: _AppCheck) -> list[Finding]:
    """``financials`` present where the category asks for it (then its figures checked by
    :func:`_check_financials`), absent where it does not."""
    p, app, cat = a.p, a.app, a.cat
    if not cat.financials:
        if app.financials:
            return [
                Finding(
                    f"{p}.financials", "error", f"{cat.label}不填写企业经济指标，请删除 financials"
                )
            ]
        return []
    out: list[Finding] = []
    if not app.financials:
        out.append(
            Finding(
                f"{p}.financials",
                "error",
                "缺少主要经济指标 financials（至少填写最近一个年度）",
            )
        )
    return out + _check_financials(a.city, a.edition, p, app)


def _check_declarations(a: _AppCheck) -> list[Finding]:
    """Every condition of the notice declared true (where the category has a credit code)."""
    p, app = a.p, a.app
    if not a.cat.requires_uscc:
        return []
    if app.declarations is None:
        return [Finding(f"{p}.declarations", "error", "缺少申报条件声明 declarations")]
    out: list[Finding] = []
    cutoff = cn_date(a.edition.rules.thresholds.accident_cutoff)
    texts = rule_texts(a.edition)
    for field, text in texts.declarations.model_dump().items():
        if getattr(app.declarations, field) is not True:
            condition = text.format(cutoff=cutoff)
            out.append(
                Finding(
                    f"{p}.declarations.{field}",
                    "error",
                    texts.messages.declaration_false.format(condition=condition),
                )
            )
    return out


def _check_sections(a: _AppCheck) -> list[Finding]:
    if not a.app.sections:
        return [Finding(f"{a.p}.sections", "error", "缺少申报书正文 sections（至少一节）")]
    return []


def _check_form(a: _AppCheck) -> list[Finding]:
    """What the subtype's form asks for: its indicators and the narrative's headings."""
    if not a.subtype_known:
        return []  # the subtype's error
    return _check_subtype_form(a.edition, a.p, a.app)


def _check_attachment_files(
    city: City, edition: Edition, attachments: AttachmentReader
) -> list[Finding]:
    """Each attachment's file: readable, of a kind docgen places, whole (each read once)."""
    out: list[Finding] = []
    for i, app in enumerate(city.applications):
        if app.category not in edition.rules.categories:
            continue  # the category's error says what to fix first
        for j, att in enumerate(app.attachments):
            problem = attachments.problem(att.file)
            if problem:
                out.append(Finding(f"applications[{i}].attachments[{j}].file", "error", problem))
    return out


# The checks of one application, in the order of their findings.
_APPLICATION_CHECKS: tuple[Callable[[_AppCheck], list[Finding]], ...] = (
    _check_subtype,
    _check_mode,
    _check_title,
    _check_platform,
    _check_uscc,
    _check_entity,
    _check_financials_given,
    _check_declarations,
    _check_sections,
    _check_form,
)


def _check_subtype_form(edition: Edition, p: str, app: Application) -> list[Finding]:
    """``indicators`` against the rows the application's subtype declares (unknown key and
    wrong type: errors; a required one missing: one warning, its cell printed blank), and
    ``sections`` against the headings it asks for (one warning naming those missing)."""
    cat = edition.rules.categories[app.category]
    sub = cat.subtypes.get(app.subtype or "")
    form = sub.form if sub is not None else None
    who = f"{cat.label}（{sub.label}）" if sub is not None else cat.label
    out: list[Finding] = []
    given = app.indicators or {}
    if form is None or not form.indicators:
        if app.indicators is not None:
            out.append(Finding(f"{p}.indicators", "error", f"{who}没有指标表，请删除 indicators"))
        return out + _check_headings(form.sections if form else (), who, p, app)
    for key, value in given.items():
        row = form.indicator(key)
        if row is None:
            keys = "、".join(f"{r.key}（{r.label}）" for r in form.indicators)
            out.append(
                Finding(
                    f"{p}.indicators.{key}",
                    "error",
                    f"{who}没有指标“{key}”（可能是拼写错误）；可填写：{keys}",
                )
            )
            continue
        problem = _indicator_problem(row.type, value)
        if problem:
            out.append(Finding(f"{p}.indicators.{key}", "error", f"{row.label}{problem}"))
    missing = [
        r
        for r in form.indicators
        if r.required and (r.key not in given or str(given[r.key]).strip() == "")
    ]
    if missing:
        names = "、".join(f"{r.label}（{r.key}）" for r in missing)
        out.append(
            Finding(
                f"{p}.indicators",
                "warning",
                f"{who}的指标表中以下各项未填写，申报书中将留空待手写：{names}",
            )
        )
    return out + _check_headings(form.sections, who, p, app)


def _indicator_problem(kind: str, value: str | int | Decimal) -> str | None:
    """What is wrong with ``value`` for an indicator of type ``kind`` (None: nothing)."""
    if kind == "text":
        return None if isinstance(value, str) else "应为文本（加英文双引号）"
    if isinstance(value, str):
        return f"应为数字（不加引号），实际为文本“{value[:20]}”"
    if kind == "count":
        if not isinstance(value, int):
            return f"应为整数（个数，不带小数点），实际为 {value}"
        return None if value >= 0 else f"不能为负数，实际为 {value}"
    if isinstance(value, Decimal):
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2:
            return f"最多保留2位小数，实际为 {value}"
    return None


def _check_headings(headings: Sequence[str], who: str, p: str, app: Application) -> list[Finding]:
    have = {s.heading.strip() for s in app.sections}
    missing = [h for h in headings if h not in have]
    if not missing or not app.sections:  # no sections at all: their own error
        return []
    return [
        Finding(
            f"{p}.sections",
            "warning",
            f"{who}申报书正文应有以下各节：{'、'.join(headings)}；缺少"
            f"“{'”“'.join(missing)}”，申报书中将印出这些标题并留空待补写"
            "（或在 sections 中加上同名的一节）",
        )
    ]


def _check_platform_age(city: City, edition: Edition, p: str, app: Application) -> list[Finding]:
    assert app.platform is not None
    years = edition.rules.thresholds.platform_min_years
    launched = app.platform.launched_on
    latest = _years_before(city.submitted_on, years)
    if launched > latest:
        message = rule_texts(edition).messages.platform_too_young.format(
            launched_on=launched.isoformat(),
            submitted_on=city.submitted_on.isoformat(),
            years=years,
            latest=latest.isoformat(),
        )
        return [Finding(f"{p}.platform.launched_on", "error", message)]
    return []


def _check_financials(city: City, edition: Edition, p: str, app: Application) -> list[Finding]:
    out: list[Finding] = []
    seen: dict[int, int] = {}
    for k, row in enumerate(app.financials):
        if row.year in seen:
            out.append(
                Finding(
                    f"{p}.financials[{k}].year",
                    "error",
                    f"年度 {row.year} 重复（与 financials[{seen[row.year]}]）",
                )
            )
        seen.setdefault(row.year, k)
        if row.year > city.submitted_on.year:
            out.append(
                Finding(f"{p}.financials[{k}].year", "error", f"年度 {row.year} 晚于申报年份")
            )
        if row.service_revenue > row.operating_revenue:
            out.append(
                Finding(
                    f"{p}.financials[{k}].service_revenue",
                    "error",
                    f"服务收入 {row.service_revenue:,.2f} 万元大于营业收入 {row.operating_revenue:,.2f} 万元；服务收入是营业收入的一部分",
                )
            )
    latest = app.latest_financials()
    # When service > operating that row already has an error (and the share could overflow).
    cat = edition.rules.categories[app.category]
    if (
        cat.service_share_check
        and latest is not None
        and latest.service_revenue <= latest.operating_revenue
    ):
        k = app.financials.index(latest)
        minimum = edition.rules.thresholds.service_share_min_percent
        share = service_share(latest.service_revenue, latest.operating_revenue)
        if share is None:
            out.append(
                Finding(
                    f"{p}.financials[{k}].operating_revenue",
                    "warning",
                    f"{latest.year}年营业收入为0，无法计算服务收入占比",
                )
            )
        elif share < minimum:
            message = rule_texts(edition).messages.service_share_low.format(
                year=latest.year,
                share=share,
                minimum=minimum,
                service=f"{latest.service_revenue:,.2f}",
                operating=f"{latest.operating_revenue:,.2f}",
            )
            out.append(Finding(f"{p}.financials[{k}].service_revenue", "warning", message))
    return out


def service_share(service: Decimal, operating: Decimal) -> Decimal | None:
    """Service revenue as a percentage of operating revenue, to 2 decimals (half up)."""
    if operating == 0:
        return None
    return (service * 100 / operating).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _years_before(day: date, years: int) -> date:
    if day.year - years < date.min.year:
        return date.min
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
