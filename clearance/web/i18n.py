"""Labels of the officer pages in Vietnamese (the default) and English: every label in both.

The domain's terms (states, channels, decisions, papers, errors) are in `terms`."""

from collections.abc import Callable, Mapping

from starlette.requests import Request

from clearance.catalogue import TEMPLATES
from clearance.web.session import LANGUAGE_COOKIE
from clearance.web.terms import TERMS

DEFAULT_LANGUAGE = "vi"

# (key, Vietnamese, English). Enum values are labelled under their prefix: "state.held".
_LABELS: tuple[tuple[str, str, str], ...] = (
    ("app_title", "Hải quan cửa khẩu Ma Lù Thàng", "Ma Lù Thàng border customs"),
    ("language", "Ngôn ngữ", "Language"),
    ("nav_queue", "Hàng đợi", "Queue"),
    ("nav_supervisor", "Giám sát", "Supervisor"),
    ("signed_in_as", "Đăng nhập với", "Signed in as"),
    ("sign_in", "Đăng nhập", "Sign in"),
    ("sign_out", "Đăng xuất", "Sign out"),
    (
        "sign_in_intro",
        "Nhập khóa API được cấp cho bạn. Trình duyệt chỉ giữ một phiên có chữ ký, không giữ khóa.",
        "Enter the API key issued to you. The browser keeps a signed session, never the key.",
    ),
    ("api_key", "Khóa API", "API key"),
    ("bad_key", "Khóa API không đúng hoặc đã bị thu hồi.", "Unknown or revoked API key."),
    ("queue_title", "Hàng đợi của tôi", "My queue"),
    ("my_items", "Hồ sơ tôi đang giữ", "Items I hold"),
    ("claim_next", "Nhận hồ sơ tiếp theo", "Claim next"),
    ("any_lane", "Bất kỳ bước nào", "Any lane"),
    ("refreshes", "Tự cập nhật mỗi 15 giây", "Refreshes every 15 s"),
    ("times_in", "Giờ Việt Nam (UTC+7)", "Vietnam time (UTC+7)"),
    ("col_ucr", "Số tham chiếu (UCR)", "UCR"),
    ("col_channel", "Luồng", "Channel"),
    ("col_score", "Điểm rủi ro", "Risk score"),
    ("col_state", "Trạng thái", "State"),
    ("col_due", "Hạn xử lý", "Due"),
    ("col_time_left", "Thời gian còn lại (giờ:phút)", "Time left (h:mm)"),
    ("col_holder", "Người đang giữ", "Held by"),
    ("overdue", "Quá hạn", "Overdue"),
    ("overdue_by", "Quá hạn {time}", "Overdue by {time}"),
    ("free", "Chưa ai nhận", "Free"),
    ("you", "Bạn", "You"),
    ("empty_lane", "Không có hồ sơ.", "No items."),
    ("declaration", "Tờ khai", "Declaration"),
    ("version", "Phiên bản", "Version"),
    ("lodged_at", "Thời điểm khai", "Lodged"),
    ("parties", "Các bên", "Parties"),
    ("declarant", "Người khai hải quan", "Declarant"),
    ("trader", "Người nhập khẩu / xuất khẩu", "Importer / exporter"),
    ("counterparty", "Đối tác nước ngoài", "Counterparty"),
    ("truck", "Phương tiện", "Truck"),
    ("plate", "Biển số", "Plate"),
    ("trailer", "Rơ-moóc", "Trailer"),
    ("driver", "Lái xe", "Driver"),
    ("expected_arrival", "Dự kiến đến", "Expected arrival"),
    ("arrived", "Đã đến cửa khẩu", "Arrived"),
    ("weighbridge", "Cân tại cửa khẩu (kg)", "Weighbridge (kg)"),
    ("not_yet", "Chưa", "Not yet"),
    ("lines", "Dòng hàng", "Lines"),
    ("hs_code", "Mã HS", "HS code"),
    ("description", "Mô tả hàng hóa", "Description"),
    ("origin", "Xuất xứ", "Origin"),
    ("quantity", "Số lượng", "Quantity"),
    ("gross_kg", "Trọng lượng cả bì (kg)", "Gross (kg)"),
    ("net_kg", "Trọng lượng tịnh (kg)", "Net (kg)"),
    ("customs_value", "Trị giá hải quan", "Customs value"),
    ("preference", "Ưu đãi", "Preference"),
    ("risk", "Rủi ro", "Risk"),
    ("score", "Điểm", "Score"),
    ("hard_hit", "Vi phạm quy tắc bắt buộc: luôn luồng đỏ", "Hard rule hit: always red"),
    ("random_selected", "Chọn ngẫu nhiên", "Randomly selected"),
    ("rule", "Quy tắc", "Rule"),
    ("severity", "Mức độ", "Severity"),
    ("reason", "Lý do", "Reason"),
    ("no_reasons", "Không có lý do rủi ro.", "No risk reasons."),
    ("not_assessed", "Chưa phân luồng.", "Not assessed yet."),
    ("documents", "Chứng từ", "Documents"),
    ("doc_kind", "Loại", "Kind"),
    ("doc_number", "Số", "Number"),
    ("issuer", "Cơ quan cấp", "Issuer"),
    ("issued_on", "Ngày cấp", "Issued"),
    ("expires_on", "Hết hạn", "Expires"),
    ("uploaded_at", "Tải lên", "Uploaded"),
    ("check_findings", "Kết quả kiểm tra", "Check findings"),
    ("documents_complete", "Hồ sơ đủ và còn hiệu lực", "Dossier complete and valid"),
    ("documents_missing", "Còn thiếu", "Missing"),
    ("no_findings", "Không có phát hiện.", "No findings."),
    ("required_paper", "Giấy tờ phải nộp", "Required paper"),
    ("open_paper", "Mở trong thẻ mới", "Open in a new tab"),
    (
        "typed_kept",
        "Chưa có gì được lưu. Những gì bạn đã nhập, để chép lại vào biểu mẫu:",
        "Nothing was saved. What you typed, to copy back into the form:",
    ),
    ("back_to_declaration", "Về tờ khai", "Back to the declaration"),
    ("accept_all", "Chấp nhận tất cả (hồ sơ không có phát hiện)", "Accept all (no findings)"),
    ("declared_fields", "Thông tin người khai đã khai", "What the trader declared"),
    ("field.buyer", "Người mua", "Buyer"),
    ("field.currency", "Đồng tiền", "Currency"),
    ("field.exporter", "Người xuất khẩu", "Exporter"),
    ("field.goods", "Hàng hóa (mã HS · số lượng)", "Goods (HS code · quantity)"),
    ("field.gross_kg", "Trọng lượng cả bì (kg)", "Gross weight (kg)"),
    ("field.holder_tax_code", "Mã số thuế người được cấp phép", "Holder's tax code"),
    ("field.hs_codes", "Mã HS được phép", "HS codes allowed"),
    ("field.importer", "Người nhập khẩu", "Importer"),
    (
        "field.lines",
        "Dòng hàng (mã HS · số lượng · đơn giá)",
        "Lines (HS code · quantity · unit price)",
    ),
    ("field.net_kg", "Trọng lượng tịnh (kg)", "Net weight (kg)"),
    ("field.origin_country", "Nước xuất xứ", "Country of origin"),
    ("field.origin_criterion", "Tiêu chí xuất xứ", "Origin criterion"),
    ("field.packages", "Số kiện", "Packages"),
    ("field.parties", "Các bên", "Parties"),
    ("field.quantity_allowed", "Số lượng được phép", "Quantity allowed"),
    ("field.seller", "Người bán", "Seller"),
    ("field.total", "Tổng trị giá", "Total value"),
    ("field.unit", "Đơn vị tính", "Unit"),
    ("required_because", "Lý do", "Why"),
    ("legal_basis", "Căn cứ pháp lý", "Legal basis"),
    ("paper_state", "Tình trạng", "State"),
    ("paper_present", "Đã nộp", "Presented"),
    (
        "border_resident",
        "Hàng hóa mua bán, trao đổi của cư dân biên giới",
        "Border-resident trade list",
    ),
    ("no_documents", "Chưa có chứng từ.", "No documents."),
    ("release_gates", "Điều kiện thông quan chưa đạt", "Release gates still closed"),
    ("queries", "Yêu cầu gửi doanh nghiệp", "Queries to the trader"),
    ("answer", "Trả lời", "Answer"),
    ("unanswered", "Chưa trả lời", "Not answered"),
    ("decisions", "Các quyết định", "Decisions"),
    ("history", "Lịch sử", "History"),
    ("at", "Thời điểm", "At"),
    ("action", "Hành động", "Action"),
    ("from_state", "Từ", "From"),
    ("to_state", "Đến", "To"),
    ("actor", "Người thực hiện", "Actor"),
    ("none", "Không có.", "None."),
    ("lease_mine", "Bạn đang giữ hồ sơ này đến {time}.", "You hold this item until {time}."),
    (
        "lease_other",
        "{officer} đang giữ hồ sơ này đến {time}.",
        "{officer} holds this item until {time}.",
    ),
    (
        "lease_none",
        "Chưa ai giữ hồ sơ này: nhận từ hàng đợi để quyết định.",
        "Nobody holds this item: claim it from the queue to decide.",
    ),
    ("decide", "Quyết định", "Decide"),
    ("decision", "Quyết định", "Decision"),
    ("reason_hint", "bắt buộc khi tạm giữ", "required to seize"),
    ("query_text", "Nội dung yêu cầu doanh nghiệp", "Query to the trader"),
    ("query_hint", "bắt buộc khi tạm dừng", "required for a hold"),
    ("inspected", "Đã kiểm tra thực tế", "Physically inspected"),
    ("fraud_found", "Phát hiện vi phạm", "Fraud found"),
    ("revenue_recovered", "Số tiền truy thu", "Revenue recovered"),
    ("currency", "Loại tiền", "Currency"),
    ("findings", "Phát hiện", "Findings"),
    ("finding_code", "Loại vi phạm", "Code"),
    ("finding_line", "Dòng hàng", "Line"),
    ("finding_detail", "Chi tiết", "Detail"),
    ("add_finding", "Thêm phát hiện", "Add a finding"),
    ("submit_decision", "Ghi nhận quyết định", "Record the decision"),
    ("notice.decided", "Đã ghi nhận quyết định.", "Decision recorded."),
    ("notice.claimed", "Đã nhận hồ sơ.", "Item claimed."),
    ("notice.empty", "Không còn hồ sơ nào để nhận.", "Nothing to claim."),
    ("working_time_left", "còn {time} giờ làm việc", "{time} of working time left"),
    ("lease_renew", "Gia hạn giữ hồ sơ", "Renew my lease"),
    ("claim", "Nhận hồ sơ này", "Claim this one"),
    ("lease_release", "Trả hồ sơ về hàng đợi", "Give back to the queue"),
    ("reassign", "Giao cho cán bộ", "Reassign"),
    ("reassign_to", "Mã cán bộ nhận hồ sơ", "Officer to hand it to"),
    ("review_records", "Kết quả xử lý đã ghi nhận", "Review work recorded"),
    ("case", "Vụ việc", "Case"),
    ("document_check_title", "Kiểm tra hồ sơ giấy tờ", "Document check"),
    ("inspection_title", "Kiểm tra thực tế hàng hóa", "Physical inspection"),
    ("verdict", "Kết luận", "Verdict"),
    ("note", "Ghi chú", "Note"),
    ("query_note_hint", "bắt buộc khi yêu cầu giải trình", "required for a query"),
    ("submit_check", "Ghi nhận kết quả kiểm tra hồ sơ", "Record the document check"),
    ("seals_intact", "Niêm phong nguyên vẹn", "Seals intact"),
    ("seal_numbers", "Số niêm phong (cách nhau bởi dấu phẩy)", "Seal numbers (comma-separated)"),
    ("packages_counted", "Số kiện đếm được", "Packages counted"),
    ("weight_kg", "Trọng lượng cân lại (kg)", "Weight found (kg)"),
    ("sample_taken", "Đã lấy mẫu", "Sample taken"),
    ("sample_reference", "Số hiệu mẫu", "Sample reference"),
    ("photos", "Ảnh chụp", "Photos"),
    (
        "no_photos",
        "Chưa có ảnh: ảnh chụp khi kiểm tra được tải lên qua API (loại inspection_photo).",
        "No photos yet: inspection photos are uploaded through the API (kind inspection_photo).",
    ),
    ("discrepancies", "Sai lệch phát hiện", "Discrepancies"),
    ("submit_inspection", "Ghi nhận kết quả kiểm tra thực tế", "Record the inspection"),
    (
        "not_arrived_yet",
        "Xe chưa đến cửa khẩu: chỉ ghi nhận kiểm tra thực tế khi hàng đã được xuất trình.",
        "The truck has not arrived: an inspection is recorded once the goods are presented.",
    ),
    (
        "findings_hint",
        "điền sẵn từ sai lệch của lần kiểm tra thực tế",
        "filled in from the inspection's discrepancies",
    ),
    ("overdue_held", "Quá hạn đang giữ", "Overdue held"),
    ("decisions_today", "Quyết định hôm nay", "Decisions today"),
    ("oldest_claim", "Giữ từ", "Holding since"),
    ("notice.checked", "Đã ghi nhận kết quả kiểm tra hồ sơ.", "Document check recorded."),
    ("notice.inspected", "Đã ghi nhận kết quả kiểm tra thực tế.", "Inspection recorded."),
    ("notice.renewed", "Đã gia hạn giữ hồ sơ.", "Lease renewed."),
    ("notice.released", "Đã trả hồ sơ về hàng đợi.", "Item given back to the queue."),
    ("notice.reassigned", "Đã giao hồ sơ cho cán bộ.", "Item reassigned."),
    ("notice.photo_uploaded", "Đã tải ảnh lên.", "Photo uploaded."),
    ("photo_file", "Ảnh chụp", "Photo"),
    ("photo_number", "Số hiệu ảnh", "Photo label"),
    ("upload_photo", "Tải ảnh lên", "Upload photo"),
    ("back_to_queue", "Về hàng đợi", "Back to the queue"),
    ("supervisor_title", "Trang giám sát", "Supervisor"),
    ("lane_stats", "Các bước xử lý", "Lanes"),
    ("lane", "Bước", "Lane"),
    ("waiting", "Đang chờ", "Waiting"),
    ("oldest_wait", "Chờ lâu nhất (giờ:phút)", "Longest wait (h:mm)"),
    ("overdue_items", "Hồ sơ quá hạn", "Overdue items"),
    ("none_overdue", "Không có hồ sơ quá hạn.", "Nothing overdue."),
    ("workload", "Khối lượng công việc", "Workload"),
    ("officer", "Cán bộ", "Officer"),
    ("items_held", "Hồ sơ đang giữ", "Items held"),
    ("no_workload", "Không ai đang giữ hồ sơ.", "Nobody holds an item."),
    ("channel_targets", "Chỉ tiêu phân luồng", "Channel targets"),
    ("policy_version", "Phiên bản chính sách", "Policy version"),
    ("red_share", "Tỷ lệ luồng đỏ mục tiêu", "Red target share"),
    ("yellow_share", "Tỷ lệ luồng vàng mục tiêu", "Yellow target share"),
    ("random_share", "Tỷ lệ chọn ngẫu nhiên", "Random share"),
    ("aeo_relief", "Giảm điểm cho doanh nghiệp AEO", "AEO relief"),
    ("yellow_threshold", "Ngưỡng luồng vàng", "Yellow threshold"),
    ("red_threshold", "Ngưỡng luồng đỏ", "Red threshold"),
    ("fitted_on", "tính trên {count} điểm gần nhất", "fitted on the last {count} scores"),
    ("fixed_thresholds", "ngưỡng cố định (chưa đủ dữ liệu)", "fixed (not enough scores yet)"),
    ("release_targets", "Mục tiêu thời gian giải phóng hàng", "Release-time targets"),
    ("baseline", "Mức cơ sở (giờ:phút)", "Baseline (h:mm)"),
    ("target", "Mục tiêu (giờ:phút)", "Target (h:mm)"),
    ("rules", "Quy tắc rủi ro", "Risk rules"),
    ("enabled", "Bật", "Enabled"),
    ("hard", "Bắt buộc đỏ", "Hard"),
    ("params", "Tham số", "Settings"),
    ("yes", "Có", "Yes"),
    ("no", "Không", "No"),
    (
        "edit_through_api",
        "Sửa qua API: PUT /v1/risk/policy và PUT /v1/risk/rules/{id}.",
        "Edit through the API: PUT /v1/risk/policy and PUT /v1/risk/rules/{id}.",
    ),
)

# Every message the services give (risk reasons, gates ...), then the pages' own labels and
# the domain's terms as the pages show them.
LABELS: dict[str, dict[str, str]] = {
    "vi": {**TEMPLATES["vi"], **{key: vi for key, vi, _en in _LABELS + TERMS}},
    "en": {**TEMPLATES["en"], **{key: en for key, _vi, en in _LABELS + TERMS}},
}
LANGUAGES = tuple(LABELS)


def language(request: Request) -> str:
    """`?lang=` if given, else the language cookie, else Vietnamese."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate is not None and candidate in LABELS:
            return candidate
    return DEFAULT_LANGUAGE


def translator(lang: str) -> Callable[..., str]:
    """`t("key")`, or `t("key", name=value)` for a label with placeholders."""
    labels = LABELS[lang]

    def t(key: str, **values: object) -> str:
        label = labels[key]  # a missing label is a bug: fail loudly, in tests first
        return label.format(**values) if values else label

    return t


def people(lang: str, names: Mapping[str, str]) -> Callable[[str | None], str]:
    """`who("officer:2")`: the name its key was issued to, else what kind of actor it is."""
    labels = LABELS[lang]

    def who(actor: str | None) -> str:
        if not actor:
            return ""
        if actor in names:
            return names[actor]
        kind, _, number = actor.partition(":")
        label = labels.get(f"actor.{kind}", kind)
        if not number:
            return label
        return labels["actor.numbered"].format(kind=label.capitalize(), number=number)

    return who
