"""Why a field was refused, by code: the service's own checks (`field.*`) and the words they
name; pydantic's own error types are in `catalogue_input`.

(code, Vietnamese, English), as in `clearance.catalogue`, which gathers these with the rest.
"""

FIELDS: tuple[tuple[str, str, str], ...] = (
    # Words a refusal names: a declaration's state, a key's role.
    ("state.lodged", "đã khai báo", "lodged"),
    ("state.screening", "đang sàng lọc", "screening"),
    ("state.assessed", "đã phân luồng", "assessed"),
    ("state.document_check", "kiểm tra hồ sơ", "document_check"),
    ("state.inspection", "kiểm tra thực tế", "inspection"),
    ("state.held", "tạm dừng", "held"),
    ("state.decided", "đã quyết định", "decided"),
    ("state.released", "đã giải phóng hàng", "released"),
    ("state.exited", "đã qua cửa khẩu", "exited"),
    ("state.seized", "tạm giữ", "seized"),
    ("state.cancelled", "đã hủy", "cancelled"),
    ("state.none", "chưa có", "None"),
    ("role.trader", "doanh nghiệp", "trader"),
    ("role.officer", "cán bộ", "officer"),
    ("role.supervisor", "lãnh đạo", "supervisor"),
    ("role.operator", "vận hành", "operator"),
    ("role.gate", "cửa khẩu", "gate"),
    ("role.bank", "ngân hàng", "bank"),
    # The service's own checks.
    ("field.required", "bắt buộc", "required"),
    ("field.body_unparsed", "không đọc được nội dung yêu cầu", "{reason}"),
    (
        "field.control_characters",
        "không được chứa ký tự điều khiển hoặc ký tự ẩn",
        "must not contain control or invisible characters",
    ),
    ("field.out_of_range", "nằm ngoài phạm vi", "is out of range"),
    (
        "field.years_between",
        "phải trong khoảng năm {earliest} đến {latest}",
        "must be between {earliest} and {latest}",
    ),
    (
        "field.expiry_before_issue",
        "ngày hết hạn không được trước ngày cấp",
        "expires_on must not be before issued_on",
    ),
    ("field.after_from", "phải sau mốc bắt đầu", "must be after from"),
    ("field.until_after_since", "mốc kết thúc phải sau mốc bắt đầu", "until must be after since"),
    (
        "field.bound_expected",
        "một ngày (2026-12-01) hoặc thời điểm kèm độ lệch múi giờ (2026-12-01T08:00+07:00)",
        "a date (2026-12-01) or a time with its offset (2026-12-01T08:00+07:00)",
    ),
    ("field.bound_unparsed", "'{value}' không phải {expected}", "'{value}' is not {expected}"),
    (
        "field.bound_no_offset",
        "'{value}' thiếu độ lệch múi giờ: hãy nhập {expected}",
        "'{value}' has no offset: give {expected}",
    ),
    (
        "field.cursor_unknown",
        "không phải con trỏ do API này trả về",
        "not a cursor this API returned",
    ),
    # Keys.
    (
        "field.trader_key_needs_tax_code",
        "khóa của doanh nghiệp cần mã số thuế của doanh nghiệp",
        "a trader key needs the company's tax code",
    ),
    (
        "field.tax_code_trader_only",
        "chỉ khóa của doanh nghiệp mới mang mã số thuế",
        "only trader keys carry a tax code",
    ),
    # Declarations.
    ("field.unknown_gate", "không có cửa khẩu {gate}", "unknown border gate {gate}"),
    ("field.unknown_country", "mã quốc gia ISO không tồn tại", "unknown ISO country code"),
    (
        "field.unknown_currency",
        "mã tiền tệ ISO 4217 không tồn tại",
        "unknown ISO 4217 currency code",
    ),
    (
        "field.hs_heading",
        "mã HS {hs_code} là nhóm hoặc phân nhóm: hãy khai một dòng 8 số của nó",
        "HS {hs_code} is a heading or subheading: declare one of its 8-digit lines",
    ),
    (
        "field.hs_not_line",
        "mã HS {hs_code} không phải một dòng của biểu thuế Việt Nam",
        "HS {hs_code} is not a line of Vietnam's tariff",
    ),
    (
        "field.hs_no_lines",
        "{why}; nhóm {heading} không có dòng nào",
        "{why}; heading {heading} has no lines",
    ),
    (
        "field.hs_closest",
        "{why}; các dòng gần nhất thuộc nhóm {heading}: {closest}",
        "{why}; the closest lines under heading {heading}: {closest}",
    ),
    (
        "field.preference_unknown",
        "cửa khẩu không áp dụng ưu đãi {preference}; chọn một trong {known}",
        "the gate grants no preference {preference}; one of {known}",
    ),
    (
        "field.not_callers_tax_code",
        "không phải mã số thuế của người gửi yêu cầu",
        "not the caller's tax code",
    ),
    (
        "field.party_fixed",
        "phải giữ là {tax_code}: hãy hủy và khai mới để thay đổi",
        "must stay {tax_code}: cancel and lodge anew to change it",
    ),
    ("field.ucr_must_equal", "phải trùng UCR của tờ khai", "must equal the declaration's UCR"),
    (
        "field.net_over_gross",
        "trọng lượng tịnh không được lớn hơn trọng lượng cả bì",
        "net_kg must not exceed gross_kg",
    ),
    (
        "field.net_is_quantity",
        "số lượng tính bằng kg là trọng lượng tịnh: hai số phải bằng nhau",
        "a quantity in kg is the net weight: net_kg must equal quantity",
    ),
    (
        "field.over_truckload",
        "các dòng hàng nặng hơn một xe tải chở được ({max_kg} kg cả bì)",
        "the lines weigh more than one truck carries ({max_kg} kg gross)",
    ),
    (
        "field.one_currency",
        "mọi dòng hàng phải dùng một loại tiền (tiền của hóa đơn)",
        "all lines must be valued in one currency (the invoice currency)",
    ),
    # Mandates.
    (
        "field.mandate_self_only",
        "doanh nghiệp chỉ ủy quyền cho chính mình",
        "a trader grants mandates for itself only",
    ),
    (
        "field.mandate_client_required",
        "bắt buộc khi lãnh đạo ghi nhận ủy quyền",
        "required when a supervisor records a mandate",
    ),
    (
        "field.mandate_not_needed",
        "doanh nghiệp tự khai cho mình không cần ủy quyền",
        "a company needs no mandate to declare for itself",
    ),
    ("field.mandate_reversed", "ngày kết thúc trước ngày bắt đầu", "valid_to is before valid_from"),
    (
        "field.mandate_too_long",
        "ủy quyền kéo dài tối đa năm năm",
        "a mandate lasts at most five years",
    ),
    ("field.scope_repeated", "phạm vi liệt kê một loại hình hai lần", "scope lists a kind twice"),
    # Documents.
    (
        "field.photo_officers_only",
        "cán bộ chỉ tải lên ảnh kiểm tra thực tế",
        "officers upload inspection photos only",
    ),
    (
        "field.photo_by_officers",
        "ảnh kiểm tra thực tế do cán bộ chụp",
        "inspection photos are taken by officers",
    ),
    (
        "field.photo_media",
        "ảnh kiểm tra thực tế phải là ảnh JPEG hoặc PNG",
        "an inspection photo is a JPEG or PNG image",
    ),
    ("field.one_file", "mỗi yêu cầu chỉ gửi một tệp", "send one file per request"),
    ("field.part_too_large", "phần dữ liệu quá lớn", "part too large"),
    ("field.file_too_large", "tệp quá lớn", "file too large"),
    ("field.file_empty", "tệp rỗng", "the file is empty"),
    ("field.file_type", "kiểu tệp không được hỗ trợ", "unsupported file type"),
    ("field.multipart_malformed", "dữ liệu nhiều phần sai định dạng", "malformed multipart"),
    (
        "field.file_unrecognised",
        "{media_type}: bộ nhận dạng kiểu tệp không nhận ra tệp",
        "{media_type}: the type detector does not recognise it",
    ),
    (
        "field.pdf_trailing",
        "PDF: có dữ liệu sau điểm kết thúc (%%EOF)",
        "PDF: bytes follow its end (%%EOF)",
    ),
    ("field.pdf_no_page", "PDF: không có trang nào", "PDF: it has no page"),
    ("field.pdf_unparsed", "PDF: không đọc được", "PDF: it does not parse"),
    (
        "field.image_trailing",
        "ảnh {kind}: có dữ liệu sau điểm kết thúc",
        "{kind} image: bytes follow its end",
    ),
    ("field.image_pixels", "ảnh {kind}: quá nhiều điểm ảnh", "{kind} image: too many pixels"),
    (
        "field.image_undecodable",
        "ảnh {kind}: không giải mã được",
        "{kind} image: it does not decode",
    ),
    (
        "field.xml_unparsed",
        "tài liệu XML: không đọc được, hoặc khai báo DTD hay thực thể",
        "XML document: it does not parse, or declares a DTD or entities",
    ),
    (
        "field.xml_active",
        "tài liệu XML: chứa mã HTML, SVG hoặc mã lệnh",
        "XML document: it holds HTML, SVG or script markup",
    ),
    # Duties.
    (
        "field.payment_names_declaration",
        "hãy nêu tờ khai bằng mã tờ khai, hoặc bằng số UCR và mã số thuế",
        "name the declaration by declaration_id, or by ucr and tax code",
    ),
    ("field.in_future", "ở thời điểm tương lai", "is in the future"),
    (
        "field.before_lodgement",
        "trước thời điểm tờ khai được khai",
        "is before the declaration was lodged",
    ),
    ("field.guarantee_expired", "bảo lãnh đã hết hạn", "the guarantee has expired already"),
    ("field.not_before_today", "phải từ hôm nay trở đi", "must be today or later"),
    ("field.rate_column_unknown", "không có cột thuế suất này", "no such rate column"),
    ("field.rate_required", "dòng nào cũng có thuế suất này", "every line has this rate"),
    ("field.rate_not_number", "'{text}' không phải là số", "'{text}' is not a number"),
    (
        "field.rate_cell",
        "'{text}': '{part}' không phải thuế suất, `*` hay `thuế suất (-XX)`",
        "'{text}': '{part}' is not a rate, `*` or `rate (-XX)`",
    ),
    (
        "field.tariff_not_line",
        "không phải một dòng của biểu thuế vào ngày đó",
        "not a line of the tariff on that day",
    ),
    # Review.
    (
        "field.officer_inactive",
        "{officer} không phải khóa của cán bộ hay lãnh đạo đang hoạt động",
        "{officer} is not an active officer or supervisor key",
    ),
    (
        "field.not_document_of",
        "không phải chứng từ của tờ khai này",
        "not a document of this declaration",
    ),
    ("field.judged_twice", "được đánh giá hai lần", "judged twice"),
    ("field.no_verdict", "chưa có kết luận cho {documents}", "no verdict on {documents}"),
    (
        "field.not_inspection_photo",
        "không phải ảnh kiểm tra thực tế của tờ khai này",
        "not an inspection photo of this declaration",
    ),
    (
        "field.fraud_needs_finding",
        "kết luận có gian lận cần ít nhất một phát hiện ở đây hoặc trong kết quả kiểm tra thực tế",
        "fraud_found needs a finding here or in the inspection",
    ),
    (
        "field.query_needs_note",
        "chứng từ bị yêu cầu giải trình cần ghi chú nêu điều sai",
        "a queried document needs a note saying what is wrong",
    ),
    (
        "field.sample_reference",
        "việc lấy mẫu và số hiệu mẫu phải đi cùng nhau",
        "sample_taken and sample_reference go together",
    ),
    (
        "field.hold_needs_query",
        "tạm dừng cần một yêu cầu gửi doanh nghiệp",
        "a hold needs a query to the trader",
    ),
    ("field.seizure_needs_reason", "tạm giữ cần nêu lý do", "a seizure needs a reason"),
    (
        "field.revenue_currency",
        "số tiền thu hồi và loại tiền thu hồi phải đi cùng nhau",
        "revenue_recovered and revenue_currency go together",
    ),
    # Risk settings.
    (
        "field.not_rule_setting",
        "không phải thiết lập của {rule_id}: {settings}",
        "not a setting of {rule_id}: {settings}",
    ),
    ("field.list_of_strings", "phải là danh sách chuỗi ký tự", "must be a list of strings"),
    ("field.number", "phải là số", "must be a number"),
    ("field.number_range", "phải trong khoảng 0 đến 1e9", "must be between 0 and 1e9"),
    (
        "field.random_over_red",
        "không được vượt tỷ lệ luồng đỏ (tờ khai chọn ngẫu nhiên vào luồng đỏ)",
        "must not exceed red_share (random goes to red)",
    ),
    (
        "field.shares_over_one",
        "tỷ lệ luồng đỏ cộng tỷ lệ luồng vàng không được vượt quá 1",
        "red_share + yellow_share must not exceed 1",
    ),
    # Notifications.
    (
        "field.url_https",
        "phải dùng https (http thường chỉ cho máy chủ trong danh sách cho phép)",
        "must use https (plain http only for allowlisted hosts)",
    ),
    (
        "field.url_not_public",
        "tên máy chủ phải phân giải được, và chỉ ra địa chỉ công cộng (hoặc nằm trong danh sách cho"
        " phép)",
        "the host must resolve, and only to public addresses (or be on the allowlist)",
    ),
    ("field.url_invalid", "không phải URL hợp lệ", "is not a valid URL"),
    (
        "field.url_absolute",
        "phải là URL https tuyệt đối có tên máy chủ",
        "must be an absolute https URL with a host",
    ),
    (
        "field.url_credentials",
        "không được chứa tên người dùng hoặc mật khẩu",
        "must not carry a user name or password",
    ),
    ("field.url_port", "có cổng nằm ngoài phạm vi", "has a port out of range"),
    (
        "field.secret_base64",
        "khóa bí mật {prefix} phải được mã hóa Base64 sau tiền tố",
        "a {prefix} secret is base64 after the prefix",
    ),
    (
        "field.secret_short",
        "khóa bí mật {prefix} dài ít nhất {min_bytes} byte",
        "a {prefix} secret holds at least {min_bytes} bytes",
    ),
    # The what-if planner's questions (clearance/planning).
    (
        "field.plan_nothing_lodged",
        "không có tờ khai nào được đăng ký trong [from, to): không có gì để lập kế hoạch",
        "no declaration was lodged in [from, to): nothing to plan on",
    ),
    (
        "field.plan_nothing_screened",
        "không có tờ khai nào đăng ký tại {gate} trong [from, to) đã được phân luồng",
        "no declaration lodged at {gate} in [from, to) was screened",
    ),
    (
        "field.plan_too_large",
        "{declarations} tờ khai x {runs} lượt là quá nhiều để mô phỏng: hãy giảm số lượt",
        "{declarations} declarations x {runs} runs is too much to simulate: fewer runs",
    ),
    (
        "field.period_both_or_neither",
        "hãy cho cả from và to, hoặc bỏ cả hai để lấy tuần trước",
        "give both from and to, or neither for last week",
    ),
    ("field.period_at_most", "tối đa {days} ngày sau from", "at most {days} days after from"),
    (
        "field.officers_change",
        "{value!r}: +1 hoặc -1 cộng thêm vào (3 là đặt bằng) số công chức của ca đó mỗi ngày làm"
        " việc; trong URL hãy viết %2B1, vì dấu + đứng riêng được đọc là khoảng trắng",
        "{value!r}: +1 or -1 adds to (3 sets) the officers of that shift on each open day; in a"
        " URL write %2B1, since a bare + reads as a space (a leading space is taken as +)",
    ),
    ("field.shift_not_configured", "chưa cấu hình ca {shift}", "no {shift} shift is configured"),
    (
        "field.rates_above_one",
        "red_rate + yellow_rate vượt quá 1",
        "red_rate + yellow_rate exceed 1",
    ),
    ("field.runs_range", "từ 1 đến {most}", "from 1 to {most}"),
)
