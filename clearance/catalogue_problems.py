"""What an error tells people, by code: the problems' titles and details (`clearance.errors`).

(code, Vietnamese, English), as in `clearance.catalogue`, which gathers these with the rest.
"""

PROBLEMS: tuple[tuple[str, str, str], ...] = (
    # Titles: one per kind of error (the problem's `code` of the base classes).
    ("title.bad_request", "Yêu cầu không hợp lệ", "Bad request"),
    ("title.not_found", "Không tìm thấy", "Not found"),
    ("title.conflict", "Xung đột", "Conflict"),
    ("title.forbidden", "Không được phép", "Forbidden"),
    ("title.unauthorized", "Chưa xác thực", "Unauthorized"),
    ("title.invalid_input", "Dữ liệu nhập không hợp lệ", "Invalid input"),
    ("title.payload_too_large", "Dữ liệu quá lớn", "Payload too large"),
    ("title.rate_limited", "Quá nhiều yêu cầu", "Too many requests"),
    ("title.unavailable", "Dịch vụ tạm thời không sẵn sàng", "Service unavailable"),
    ("title.unsupported_media_type", "Kiểu tệp không được hỗ trợ", "Unsupported media type"),
    ("http.404", "Không tìm thấy", "Not Found"),
    ("http.405", "Phương thức không được hỗ trợ", "Method Not Allowed"),
    ("http.other", "Lỗi HTTP {status}", "HTTP error {status}"),
    # Details built of parts.
    ("error.field", "{field}: {message}", "{field}: {message}"),
    ("error.fields", "{errors}", "{errors}"),
    # The service itself.
    (
        "error.database_unavailable",
        "Cơ sở dữ liệu không truy cập được",
        "the database is unavailable",
    ),
    (
        "error.database_busy",
        "Dịch vụ đang bận: mọi kết nối tới cơ sở dữ liệu đều đang được dùng",
        "the service is busy: every database connection is in use",
    ),
    (
        "error.schema_not_at_head",
        "Lược đồ cơ sở dữ liệu chưa được nâng cấp: hãy chạy `clearance migrate`",
        "the database schema is not at head: run `clearance migrate`",
    ),
    (
        "error.request_conflict",
        "Yêu cầu xung đột với dữ liệu vừa được lưu; hãy gửi lại",
        "the request conflicts with data stored meanwhile; retry it",
    ),
    (
        "error.body_too_large",
        "Nội dung yêu cầu tối đa {max_bytes} byte",
        "request bodies are limited to {max_bytes} bytes",
    ),
    # Keys, roles and limits.
    (
        "error.bearer_missing",
        "Hãy gửi khóa API trong tiêu đề 'Authorization: Bearer <khóa>'",
        "send your API key as 'Authorization: Bearer <key>'",
    ),
    ("error.role_refused", "Vai trò {role} không được làm việc này", "role {role} may not do this"),
    ("error.key_unknown", "Khóa API không đúng hoặc đã bị thu hồi", "unknown or revoked API key"),
    (
        "error.key_expired",
        "Khóa API này đã được thay và đã hết hạn; hãy dùng khóa mới",
        "this API key was rotated and has expired; use its successor",
    ),
    ("error.key_not_found", "Không có khóa API {key_id}", "no API key {key_id}"),
    ("error.calling_key_gone", "Khóa API đang dùng không còn nữa", "the calling key is gone"),
    (
        "error.key_already_rotated",
        "Khóa API này đã được thay; hãy thay khóa mới của nó",
        "this API key was already rotated; rotate its successor instead",
    ),
    (
        "error.rate_refusals",
        "Quá {limit} yêu cầu bị từ chối mỗi giây từ địa chỉ này",
        "more than {limit} refused requests a second from this address",
    ),
    (
        "error.rate_key",
        "Quá {limit} yêu cầu mỗi giây cho khóa API này",
        "more than {limit} requests a second for this API key",
    ),
    # The officer pages' session.
    ("error.sign_in", "Hãy đăng nhập bằng khóa API của bạn", "sign in with your API key"),
    (
        "error.cross_site",
        "Yêu cầu gửi từ một trang web khác đã bị từ chối",
        "a request from another site was refused",
    ),
    ("error.csrf_missing", "Biểu mẫu không có mã CSRF", "the form carries no CSRF token"),
    ("error.csrf_wrong", "Mã CSRF của biểu mẫu không đúng", "the form's CSRF token is wrong"),
    (
        "error.csrf_wrong_or_missing",
        "Mã CSRF của biểu mẫu sai hoặc bị thiếu",
        "the form's CSRF token is wrong or missing",
    ),
    (
        "error.sign_in_csrf_missing",
        "Biểu mẫu đăng nhập không có mã CSRF, hoặc cookie của nó đã mất",
        "the sign-in form carries no CSRF token, or its cookie is gone",
    ),
    (
        "error.sign_in_csrf_wrong",
        "Mã CSRF của biểu mẫu đăng nhập không đúng",
        "the sign-in form's CSRF token is wrong",
    ),
    (
        "error.page_role_page",
        "Vai trò {role} không được xem trang này",
        "role {role} may not see this page",
    ),
    (
        "error.page_role",
        "Vai trò {role} không được dùng các trang của cán bộ",
        "role {role} may not use the officer pages",
    ),
    # Declarations.
    (
        "error.declaration_not_found",
        "Không có tờ khai {declaration_id}",
        "no declaration {declaration_id}",
    ),
    (
        "error.paid_declaration_not_found",
        "Không có tờ khai UCR {ucr} của {declarant_tax_code}",
        "no declaration UCR {ucr} of {declarant_tax_code}",
    ),
    (
        "error.transition_state",
        "Tờ khai ở trạng thái {state} không thể chuyển sang {to}",
        "a declaration in state {state} cannot move to {to}",
    ),
    (
        "error.transition_actor",
        "{actor} không thể chuyển tờ khai từ {state} sang {to}",
        "a {actor} cannot move a declaration from {state} to {to}",
    ),
    (
        "error.idempotency_reused",
        "{header} này đã được dùng với nội dung khác",
        "this {header} was used with a different body",
    ),
    (
        "error.duplicate_ucr",
        "UCR {ucr} đã được dùng cho tờ khai {taken}",
        "UCR {ucr} is already used by declaration {taken}",
    ),
    (
        "error.amendment_keeps_ucr",
        "Tờ khai sửa đổi phải giữ nguyên UCR",
        "an amendment keeps the UCR",
    ),
    (
        "error.parties_fixed",
        "Tờ khai sửa đổi không được thay đổi các bên của tờ khai",
        "an amendment cannot change the parties of a declaration",
    ),
    (
        "error.declarant_not_caller",
        "{field} phải là mã số thuế được cấp khóa API của bạn",
        "{field} must be the tax code your API key was issued to",
    ),
    (
        "error.query_not_found",
        "Không có yêu cầu {query_id} ở tờ khai {declaration_id}",
        "no query {query_id} on declaration {declaration_id}",
    ),
    ("error.query_answered", "Yêu cầu này đã được trả lời", "this query is already answered"),
    (
        "error.cannot_record_arrival",
        "Tờ khai ở trạng thái {state} không thể ghi nhận xe đến",
        "a declaration in state {state} cannot record arrival",
    ),
    ("error.arrival_recorded", "Xe đến đã được ghi nhận rồi", "arrival is already recorded"),
    (
        "error.red_needs_inspection",
        "Tờ khai luồng đỏ phải được kiểm tra thực tế trước",
        "a red-channel declaration needs a physical inspection first",
    ),
    # Mandates.
    (
        "error.mandate_expired",
        "Ủy quyền {mandate_id} từ {client} cho {broker} về tờ khai {kind} đã hết hạn ngày {on}",
        "mandate {mandate_id} from {client} to {broker} for {kind} expired on {on}",
    ),
    (
        "error.mandate_not_yet",
        "Ủy quyền {mandate_id} từ {client} cho {broker} về tờ khai {kind} bắt đầu từ ngày {on}",
        "mandate {mandate_id} from {client} to {broker} for {kind} starts on {on}",
    ),
    (
        "error.mandate_missing",
        "Không có ủy quyền từ {client} cho đại lý {broker} về tờ khai {kind}",
        "no mandate from {client} to broker {broker} for {kind} declarations",
    ),
    (
        "error.mandate_not_found",
        "Không có ủy quyền {mandate_id} do bạn cấp",
        "no mandate {mandate_id} granted by you",
    ),
    # Documents.
    (
        "error.document_not_found",
        "Không có chứng từ {document_id} ở tờ khai {declaration_id}",
        "no document {document_id} on declaration {declaration_id}",
    ),
    (
        "error.documents_closed",
        "Không thể thêm chứng từ vào tờ khai ở trạng thái {state}",
        "documents cannot be added to a {state} declaration",
    ),
    (
        "error.too_many_documents",
        "Mỗi tờ khai có tối đa {max} chứng từ",
        "a declaration holds at most {max} documents",
    ),
    (
        "error.not_under_inspection",
        "Cán bộ chỉ đính kèm ảnh vào tờ khai đang được kiểm tra thực tế",
        "officers attach photos only to a declaration under inspection",
    ),
    (
        "error.requirement_version_exists",
        "Yêu cầu này đã có một phiên bản có hiệu lực từ ngày đó",
        "this requirement already has a version effective on that date",
    ),
    (
        "error.file_too_large",
        "Tệp tối đa {max_bytes} byte",
        "files are limited to {max_bytes} bytes",
    ),
    (
        "error.file_malformed",
        "Tệp không đúng định dạng: {what}",
        "the file is not a well-formed {what}",
    ),
    (
        "error.file_type",
        "Tệp không phải tài liệu PDF, JPEG, PNG hay XML (xét theo nội dung)",
        "the file is not a PDF, JPEG, PNG or XML document (judged by its content)",
    ),
    (
        "error.multipart_expected",
        "Hãy gửi {media_type} gồm một phần `{file}` và một phần `{fields}`",
        "send {media_type} with a `{file}` and a `{fields}` part",
    ),
    (
        "error.multipart_malformed",
        "Nội dung không phải {media_type} hợp lệ",
        "the body is not valid {media_type}",
    ),
    ("error.parts_missing", "Thiếu phần: {parts}", "missing part(s): {parts}"),
    # Duties.
    (
        "error.payment_reference_reused",
        "Số tham chiếu ngân hàng {reference} đã được báo với nội dung khác",
        "bank reference {reference} was already notified with other details",
    ),
    (
        "error.guarantee_state",
        "Tờ khai ở trạng thái {state} không nhận bảo lãnh",
        "a {state} declaration takes no guarantee",
    ),
    (
        "error.tariff_not_line",
        "hs_code: mã HS {hs_code} không phải một dòng của biểu thuế vào ngày {on}",
        "hs_code: HS {hs_code} is not a line of the tariff on {on}",
    ),
    (
        "error.tariff_version_exists",
        "Mã HS {hs_code} đã có một phiên bản có hiệu lực từ ngày {on}",
        "HS {hs_code} already has a version effective on {on}",
    ),
    # Review.
    (
        "error.not_claimable",
        "Tờ khai ở trạng thái {state} không chờ kiểm tra hồ sơ hay kiểm tra thực tế",
        "a declaration in state {state} waits for no document check or inspection",
    ),
    ("lease.holder_until", "{officer} (đến {until})", "{officer} until {until}"),
    ("lease.another_officer", "Một cán bộ khác", "another officer"),
    (
        "error.lease_held",
        "{holder} đang giữ hồ sơ này; hãy nhận hồ sơ khác hoặc đề nghị lãnh đạo giao lại",
        "held by {holder}; claim another item or ask a supervisor to reassign",
    ),
    (
        "error.lease_required",
        "Hãy nhận tờ khai này trước: {how}",
        "claim this declaration first: {how}",
    ),
    (
        "error.lease_held_by",
        "{officer} đang giữ hồ sơ này; lãnh đạo có thể giải phóng",
        "the lease is held by {officer}; a supervisor can release it",
    ),
    (
        "error.lease_not_found",
        "Tờ khai {declaration_id} không do ai giữ",
        "declaration {declaration_id} is not leased to anyone",
    ),
    (
        "error.not_under_review",
        "Tờ khai ở trạng thái {state} không đang được kiểm tra",
        "a declaration in state {state} is not under review",
    ),
    (
        "error.stale_version",
        "Yêu cầu nêu phiên bản {version}; tờ khai đang ở phiên bản {current}",
        "the request names version {version}; the declaration is at version {current}",
    ),
    (
        "error.inspection_not_sent",
        "Chỉ tờ khai đã chuyển kiểm tra thực tế mới ghi nhận được kết quả kiểm tra thực tế",
        "only a declaration sent to inspection can record one",
    ),
    (
        "error.goods_not_presented",
        "Hàng chưa được xuất trình: xe chưa đến cửa khẩu",
        "the goods have not been presented: the truck has not arrived",
    ),
    (
        "error.escalate_yellow_only",
        "Chỉ chuyển kiểm tra thực tế tờ khai luồng vàng; tờ khai luồng đỏ thì ghi nhận kiểm tra",
        "only a yellow declaration is escalated; send a red one to inspect",
    ),
    (
        "error.yellow_by_escalation",
        "Tờ khai luồng vàng sang kiểm tra thực tế bằng cách chuyển kiểm tra",
        "a yellow declaration goes to inspection by escalation",
    ),
    (
        "error.inspection_before_release",
        "Hãy ghi nhận kết quả kiểm tra thực tế trước khi thông quan hàng luồng đỏ",
        "record the physical inspection before releasing red goods",
    ),
    (
        "error.check_before_release",
        "Hãy ghi nhận kiểm tra hồ sơ chấp nhận mọi chứng từ trước khi thông quan",
        "record a document check accepting every document before release",
    ),
    # Notifications.
    (
        "error.notifications_trader_only",
        "Chỉ khóa của doanh nghiệp, cấp cho một mã số thuế, mới có thông báo",
        "only a trader's key, issued to a tax code, has notifications",
    ),
    (
        "error.subscription_url_taken",
        "URL này đã được đăng ký (đăng ký {subscription_id}); hãy tắt đăng ký đó trước để đăng ký"
        " lại với khóa bí mật mới",
        "this URL is registered already (subscription {subscription_id}); disable it first to"
        " register it with a new secret",
    ),
    (
        "error.subscription_url_registered",
        "URL này đã được đăng ký",
        "this URL is registered already",
    ),
    (
        "error.subscriptions_max",
        "Tối đa {max} đăng ký đang hoạt động",
        "at most {max} active subscriptions",
    ),
    (
        "error.subscription_not_found",
        "Không có đăng ký {subscription_id}",
        "no subscription {subscription_id}",
    ),
    ("error.event_not_found", "Không có sự kiện {event_id}", "no event {event_id}"),
    # Risk, dead letters.
    (
        "error.rule_not_found",
        "Không có quy tắc {rule_id}; các quy tắc: {rules}",
        "no rule {rule_id}; rules: {rules}",
    ),
    (
        "error.party_not_found",
        "Không có bên {party_id} trong danh sách theo dõi",
        "no watchlisted party {party_id}",
    ),
    ("error.model_not_found", "Không có phiên bản mô hình {version}", "no model version {version}"),
    (
        "error.dead_letter_not_found",
        "Không có tác vụ lỗi {letter_id}",
        "no dead letter {letter_id}",
    ),
    (
        "error.dead_letter_replayed",
        "Tác vụ lỗi {letter_id} đã được chạy lại lúc {replayed_at}",
        "dead letter {letter_id} was replayed at {replayed_at}",
    ),
    (
        "error.dead_letter_moot",
        "Tờ khai đã sang bước khác: phiên bản này không cần sàng lọc nữa",
        "the declaration has moved on: this version needs no screening",
    ),
)

PROBLEM_LIST_SEPARATORS = {"error.fields": "; "}
