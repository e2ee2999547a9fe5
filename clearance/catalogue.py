"""Every message a service gives people, by code: a Vietnamese and an English template.

Parameters are named (`{hs_code}`) and may carry a format (`{share:.0%}`). Codes are grouped by
the domain that speaks; the document checks' findings (`catalogue_findings`), the model's
reasons and duty notes (`catalogue_reasons`) and what errors say (`catalogue_problems`,
`catalogue_fields`, `catalogue_input`) live beside this module, gathered here.
"""

from clearance.catalogue_fields import FIELDS
from clearance.catalogue_findings import FINDINGS
from clearance.catalogue_input import INPUT
from clearance.catalogue_problems import PROBLEM_LIST_SEPARATORS, PROBLEMS
from clearance.catalogue_reasons import REASONS

# (code, Vietnamese, English)
_MESSAGES: tuple[tuple[str, str, str], ...] = (
    # Words other messages are built from.
    ("flow.import", "nhập khẩu", "import"),
    ("flow.export", "xuất khẩu", "export"),
    ("flow.transit", "quá cảnh", "transit"),
    ("party.declarant", "người khai hải quan", "declarant"),
    ("party.importer/exporter", "người nhập khẩu/xuất khẩu", "importer/exporter"),
    ("party.counterparty", "đối tác nước ngoài", "counterparty"),
    ("party.exporter", "người xuất khẩu", "exporter"),
    ("party.importer", "người nhập khẩu", "importer"),
    ("weight.gross", "cả bì", "gross"),
    ("weight.net", "tịnh", "net"),
    ("paper.invoice", "hóa đơn thương mại", "commercial invoice"),
    ("paper.packing_list", "phiếu đóng gói", "packing list"),
    ("paper.co_form_e", "C/O mẫu E", "C/O Form E"),
    ("paper.co_form_d", "C/O mẫu D", "C/O Form D"),
    ("paper.phytosanitary", "giấy kiểm dịch thực vật", "phytosanitary certificate"),
    ("paper.quarantine", "giấy kiểm dịch", "quarantine certificate"),
    ("paper.licence", "giấy phép", "licence"),
    ("paper.contract", "hợp đồng", "contract"),
    ("paper.cites_permit", "giấy phép CITES", "CITES permit"),
    ("paper.quality_inspection", "kết quả kiểm tra chất lượng", "quality inspection result"),
    ("paper.food_safety", "kết quả kiểm tra an toàn thực phẩm", "food safety inspection result"),
    ("paper.chemical_declaration", "khai báo hóa chất", "chemical import declaration"),
    ("paper.inspection_photo", "ảnh kiểm tra thực tế", "inspection photo"),
    ("paper.numbered", "{kind} {number}", "{kind} {number}"),
    ("bilingual", "{vi}", "{en}"),
    ("day.arrival_date", "ngày xe đến ({on})", "the arrival date ({on})"),
    ("day.arrival_on", "ngày xe đến {on}", "the arrival on {on}"),
    ("day.today", "hôm nay ({on})", "today ({on})"),
    ("paper.expired", "{paper} (hết hạn)", "{paper} (expired)"),
    ("licence.phytosanitary", "kiểm dịch thực vật", "phytosanitary"),
    ("licence.quarantine", "kiểm dịch", "quarantine"),
    ("licence.import_licence", "giấy phép nhập khẩu", "import licence"),
    ("licence.export_licence", "giấy phép xuất khẩu", "export licence"),
    # Risk rules: why a declaration was selected, for officers.
    (
        "risk.prohibited",
        "Mã HS {hs_code} thuộc hàng cấm {flow} (tiền tố {prefix}): {reason}",
        "HS {hs_code} is prohibited for {flow} (prefix {prefix}): {reason}",
    ),
    (
        "risk.watchlist_tax_code",
        "Mã số thuế {tax_code} của {role} nằm trong danh sách theo dõi",
        "{role} tax code {tax_code} is on the watchlist",
    ),
    (
        "risk.watchlist_name",
        "Tên {role} '{name}' trùng với '{listed}' trong danh sách theo dõi"
        " (độ tương đồng {similarity:.0%})",
        "{role} '{name}' matches watchlisted '{listed}' (similarity {similarity:.0%})",
    ),
    (
        "risk.restricted_no_licence",
        "Mã HS {hs_code} là hàng hạn chế (tiền tố {prefix}), cần chứng từ {licence};"
        " tờ khai không dẫn chiếu chứng từ nào: {reason}",
        "HS {hs_code} is restricted (prefix {prefix}) and needs a {licence} document;"
        " none is referenced: {reason}",
    ),
    (
        "risk.undervaluation",
        "Trị giá khai báo {unit_value:.2f} USD/{unit} thấp hơn {below:.0%} so với trung vị"
        " {median:.2f} USD/{unit} của HS {hs_code} xuất xứ {origin}"
        " (phân vị 10: {p10:.2f}, n={n})",
        "declared {unit_value:.2f} USD/{unit} is {below:.0%} below the HS {hs_code} x {origin}"
        " median of {median:.2f} USD/{unit} (10th percentile {p10:.2f}, n={n})",
    ),
    (
        "risk.undervaluation_learned",
        "Trị giá khai báo {unit_value:.2f} USD/{unit} thấp hơn {below:.0%} so với trung vị"
        " {median:.2f} USD/{unit} của HS {hs_code} xuất xứ {origin}"
        " (phân vị 10: {p10:.2f}, n={n}, học từ lịch sử kiểm tra)",
        "declared {unit_value:.2f} USD/{unit} is {below:.0%} below the HS {hs_code} x {origin}"
        " median of {median:.2f} USD/{unit} (10th percentile {p10:.2f}, n={n},"
        " learned from history)",
    ),
    (
        "risk.hs_description",
        "Dòng {line} khai vào nhóm {heading} nhưng mô tả '{description}' thuộc nhóm {others}",
        "line {line} is declared under heading {heading} but its description"
        " '{description}' reads as heading {others}",
    ),
    (
        "risk.preference_not_party",
        "Dòng {line} hưởng ưu đãi {preference} với xuất xứ {origin}, không phải nước thành viên",
        "{preference} preference claimed on line {line} with origin {origin}, not a party",
    ),
    (
        "risk.preference_departure",
        "Ưu đãi {preference} ở dòng {line}: xuất xứ {origin} khác nước khởi hành {departure}",
        "{preference} preference on line {line}: origin {origin} differs from the country of"
        " departure {departure}",
    ),
    (
        "risk.split_shipment",
        "{count} tờ khai nhóm {heading} của {tax_code} trong {days} ngày, mỗi tờ ngay dưới"
        " {threshold:,.0f} USD (từ {floor:,.0f}), cộng lại {total:,.0f} USD",
        "{count} declarations of heading {heading} by {tax_code} within {days} days, each just"
        " under {threshold:,.0f} USD (from {floor:,.0f}), together {total:,.0f} USD",
    ),
    (
        "risk.weight",
        "Trọng lượng cả bì khai báo {declared:,.0f} kg lệch {off:.0%} so với cân tại cửa khẩu"
        " {weighbridge:,.0f} kg (dung sai {tolerance:.0%})",
        "declared gross {declared:,.0f} kg is {off:.0%} off the weighbridge's"
        " {weighbridge:,.0f} kg (tolerance {tolerance:.0%})",
    ),
    (
        "risk.model_arrival",
        "Chấm lại khi xe đến cửa khẩu (cân {weighbridge:,.0f} kg): giá trị kỳ vọng của việc"
        " kiểm tra đạt {score:.2f}, từ ngưỡng luồng đỏ {red:.2f}",
        "re-scored at arrival (weighbridge {weighbridge:,.0f} kg): the expected value of"
        " inspecting reaches {score:.2f}, from the red threshold of {red:.2f}",
    ),
    (
        "risk.new_trader",
        "Doanh nghiệp {tax_code} mới có {count} tờ khai trước đây tại hệ thống (ít hơn {below})",
        "trader {tax_code} has {count} earlier declarations at this service (fewer than {below})",
    ),
    (
        "risk.fraud_history",
        "Doanh nghiệp {tax_code}: {frauds} trong {inspections} lần kiểm tra trong {days} ngày"
        " qua phát hiện vi phạm",
        "trader {tax_code}: {frauds} of {inspections} inspections in the last {days} days found"
        " fraud",
    ),
    (
        "risk.random",
        "Chọn ngẫu nhiên (tỷ lệ {share:.0%})",
        "random selection ({share:.0%} share)",
    ),
    ("risk.several", "{hits}", "{hits}"),
    # A model version a supervisor asks to activate (error.model_not_found is with the errors).
    (
        "error.model_unreadable",
        "Mô hình {version} được lưu ở định dạng mà hệ thống hiện tại không đọc được: "
        "hãy huấn luyện lại",
        "model {version} was saved in a format this engine cannot load: train again",
    ),
    ("rule.R-PROHIBITED", "Hàng cấm nhập khẩu, xuất khẩu", "Goods banned from import or export"),
    (
        "rule.R-WATCHLIST",
        "Một bên thuộc danh sách cấm vận hoặc danh sách đen (so khớp tên gần đúng)",
        "A party on the sanctions or blacklist (fuzzy name match)",
    ),
    (
        "rule.R-RESTRICTED-NO-LICENCE",
        "Hàng hạn chế không có giấy phép hoặc giấy chứng nhận",
        "Restricted goods without their licence or certificate",
    ),
    (
        "rule.R-UNDERVALUATION",
        "Đơn giá thấp hơn khoảng tham chiếu theo mã HS và xuất xứ",
        "Unit value below the reference band for HS code x origin",
    ),
    (
        "rule.R-HS-DESCRIPTION",
        "Mã HS không khớp với mô tả hàng hóa",
        "HS code does not match the goods description",
    ),
    (
        "rule.R-FORM-E-ORIGIN",
        "C/O mẫu E cho xuất xứ ngoài ACFTA hoặc nước khởi hành khác",
        "ACFTA Form E claimed for a non-ACFTA origin or another country of departure",
    ),
    (
        "rule.R-SPLIT-SHIPMENT",
        "Một doanh nghiệp chia nhỏ lô hàng dưới ngưỡng",
        "One trader splitting a consignment under a threshold",
    ),
    (
        "rule.R-WEIGHT",
        "Trọng lượng khai báo lệch số cân",
        "Declared weight off the weighbridge weight",
    ),
    ("rule.R-NEW-TRADER", "Doanh nghiệp mới tại hệ thống", "A trader new to the service"),
    (
        "rule.R-FRAUD-HISTORY",
        "Doanh nghiệp có tiền sử vi phạm khi kiểm tra",
        "A trader whose past inspections found fraud",
    ),
    ("severity.info", "Thông tin", "Info"),
    ("severity.warning", "Cảnh báo", "Warning"),
    ("severity.critical", "Nghiêm trọng", "Critical"),
    ("severity.blocking", "Chặn thông quan", "Blocking"),
    ("case_status.open", "Đang xử lý", "Open"),
    ("case_status.closed", "Đã đóng", "Closed"),
    # Release gates: what a declaration still waits for.
    ("gate.decision", "quyết định thông quan của hải quan", "customs decision to release"),
    ("gate.arrival", "xe đến cửa khẩu được ghi nhận", "arrival recorded at the gate"),
    ("gate.documents", "chứng từ bắt buộc: {missing}", "required documents: {missing}"),
    ("gate.duty_unpaid", "thuế {amount:,} VND chưa nộp", "duty of {amount:,} VND unpaid"),
    ("gate.duty_not_assessed", "chưa tính được thuế: {notes}", "duty not assessed: {notes}"),
    ("duty.line_note", "dòng {line} {note}", "line {line} {note}"),
    ("readiness.on_arrival", "sẵn sàng: thông quan khi xe đến", "ready: release on arrival"),
    ("readiness.ready", "sẵn sàng: thông quan", "ready: release"),
    ("readiness.waiting", "đang chờ: {missing}", "waiting: {missing}"),
    # Events: what happened, the detail for officers.
    ("event.all_gates_open", "mọi điều kiện thông quan đã đạt", "all release gates open"),
    ("event.channel", "luồng {channel}", "channel {channel}"),
    ("event.documents_complete", "đã đủ chứng từ bắt buộc", "required documents complete"),
    ("event.green_channel", "luồng xanh", "green channel"),
    ("channel_word.green", "xanh", "green"),
    ("channel_word.yellow", "vàng", "yellow"),
    ("channel_word.red", "đỏ", "red"),
    (
        "event.documents_checked",
        "{accepted} chứng từ được chấp nhận, {queried} yêu cầu giải trình",
        "{accepted} accepted, {queried} queried",
    ),
    ("event.documents_queried", "yêu cầu giải trình chứng từ", "documents queried"),
    ("event.discrepancies", "{count} sai lệch", "{count} discrepancies"),
    (
        "event.paid",
        "đã nộp {amount:,} VND (số tham chiếu ngân hàng {reference})",
        "{amount:,} VND paid (bank reference {reference})",
    ),
    (
        "event.overpaid",
        "đã nộp {paid:,} VND, phải nộp {owed:,} VND: hoàn lại {refund:,} VND",
        "{paid:,} VND paid against {owed:,} VND owed: {refund:,} VND to refund",
    ),
    (
        "event.guarantee",
        "bảo lãnh {reference} số tiền {amount:,} VND đến ngày {until}",
        "guarantee {reference} of {amount:,} VND until {until}",
    ),
    (
        "event.no_arrival",
        "xe không đến trong {days} ngày kể từ khi khai",
        "no arrival within {days} days of lodgement",
    ),
    ("event.query_answered", "yêu cầu {query} đã được trả lời", "query {query} answered"),
    ("event.weighbridge", "số cân {kg} kg", "weighbridge {kg} kg"),
    ("query.paper_note", "{kind} {number}: {note}", "{kind} {number}: {note}"),
    (
        "query.documents_queried",
        "Yêu cầu giải trình chứng từ: {papers}",
        "Documents queried: {papers}",
    ),
    ("event.documents_missing", "thiếu chứng từ bắt buộc", "required documents missing"),
    (
        "query.upload_missing",
        "Đề nghị tải lên các chứng từ còn thiếu: {missing}",
        "Upload the missing documents: {missing}",
    ),
    # What a trader reads about its declaration's events: a fixed set (DESIGN §1).
    ("trader.lodged", "đã tiếp nhận tờ khai", "declaration lodged"),
    ("trader.amended", "đã tiếp nhận tờ khai sửa đổi", "amendment lodged"),
    ("trader.cancelled", "đã hủy tờ khai", "declaration cancelled"),
    ("trader.screening", "đang sàng lọc", "screening started"),
    ("trader.assessed", "đã phân luồng", "screening done"),
    ("trader.selected_for_checks", "chuyển kiểm tra hồ sơ", "selected for document check"),
    (
        "trader.selected_for_inspection",
        "chuyển kiểm tra thực tế hàng hóa",
        "selected for physical inspection",
    ),
    (
        "trader.query_raised",
        "có yêu cầu giải trình: xem mục yêu cầu",
        "query raised: see the queries",
    ),
    ("trader.query_answered", "đã trả lời yêu cầu", "query answered"),
    ("trader.documents_complete", "đã đủ chứng từ bắt buộc", "required documents complete"),
    ("trader.check_started", "bắt đầu kiểm tra hồ sơ", "document check started"),
    ("trader.documents_checked", "đã ghi nhận kiểm tra hồ sơ", "document check recorded"),
    ("trader.inspected", "đã ghi nhận kiểm tra thực tế", "inspection recorded"),
    ("trader.decided", "đã ghi nhận quyết định thông quan", "decision to release recorded"),
    ("trader.seized", "hàng hóa bị tạm giữ", "goods seized"),
    ("trader.released", "đã thông quan", "released"),
    ("trader.arrived", "đã ghi nhận số cân", "weighbridge reading recorded"),
    ("trader.exited", "đã ghi nhận xe ra khỏi cửa khẩu", "exit recorded"),
    ("trader.paid", "đã ghi nhận nộp thuế", "payment recorded"),
    ("trader.guaranteed", "đã ghi nhận bảo lãnh", "guarantee recorded"),
    (
        "trader.overpaid",
        "đã nộp vượt số thuế phải nộp: sẽ được hoàn",
        "paid beyond the duty owed: a refund is due",
    ),
    ("trader.updated", "tờ khai được cập nhật", "declaration updated"),
    # Who did it, when no person did.
    ("actor.system", "hệ thống", "system"),
    ("actor.sweeper", "hệ thống tự hủy", "sweeper"),
    ("actor.officer", "cán bộ", "officer"),
    ("actor.supervisor", "lãnh đạo", "supervisor"),
    ("actor.numbered", "{kind} số {number}", "{kind} {number}"),
    ("actor.worker", "hệ thống sàng lọc", "screening worker"),
    ("actor.trader", "doanh nghiệp", "trader"),
    ("actor.gate", "cửa khẩu", "gate"),
    ("actor.bank", "ngân hàng", "bank"),
)

# How a list parameter is joined, where not by ", ".
LIST_SEPARATORS = {
    "query.upload_missing": "; ",
    "risk.several": "; ",
    "readiness.waiting": "; ",
    "gate.duty_not_assessed": "; ",
    "query.documents_queried": "; ",
    **PROBLEM_LIST_SEPARATORS,
}

_ALL = (*_MESSAGES, *FINDINGS, *REASONS, *PROBLEMS, *FIELDS, *INPUT)
TEMPLATES: dict[str, dict[str, str]] = {
    "vi": {code: vi for code, vi, _en in _ALL},
    "en": {code: en for code, _vi, en in _ALL},
}
