"""What the document checks found (`doc_check.*`), for officers, by code.

(code, Vietnamese, English), as in `clearance.catalogue`, which gathers these with the rest.
"""

FINDINGS: tuple[tuple[str, str, str], ...] = (
    (
        "doc_check.missing",
        "{reason}: chưa nộp",
        "{reason}: missing",
    ),
    (
        "doc_check.missing_referenced",
        "{reason}: chưa nộp (tờ khai dẫn chiếu số {number} nhưng chưa tải lên)",
        "{reason}: missing (referenced as {number} but not uploaded)",
    ),
    (
        "doc_check.expired",
        "{kind} {number} hết hạn ngày {expires_on}, trước ngày {on}",
        "{kind} {number} expired on {expires_on}, before {on}",
    ),
    (
        "doc_check.issued_late",
        "{kind} {number} đề ngày {issued_on}, sau ngày {on}",
        "{kind} {number} is dated {issued_on}, after {on}",
    ),
    (
        "doc_check.invoice_unrated",
        "Không so được tổng hóa đơn với trị giá hải quan: thiếu tỷ giá của một trong {currencies}",
        "invoice total cannot be compared with the customs value: no exchange rate for one of"
        " {currencies}",
    ),
    (
        "doc_check.invoice_value",
        "Tổng hóa đơn {totals} ({invoiced_usd:.2f} USD) lệch {off:.0%} so với trị giá hải quan"
        " khai báo {declared} {currency} ({declared_usd:.2f} USD); dung sai {tolerance:.0%}",
        "invoice total {totals} ({invoiced_usd:.2f} USD) is {off:.0%} off the declared customs"
        " value {declared} {currency} ({declared_usd:.2f} USD); tolerance {tolerance:.0%}",
    ),
    (
        "doc_check.packing_weight",
        "Trọng lượng {weight} trên phiếu đóng gói {listed} kg lệch {off:.0%} so với {declared} kg"
        " đã khai",
        "packing list {weight} weight {listed} kg is {off:.0%} off the declared {declared} kg",
    ),
    (
        "doc_check.weighbridge",
        "Trọng lượng cả bì trên phiếu đóng gói {gross} kg lệch {off:.0%} so với cân tại cửa"
        " khẩu {weighbridge} kg",
        "packing list gross weight {gross} kg is {off:.0%} off the weighbridge's {weighbridge} kg",
    ),
    (
        "doc_check.co_origin",
        "{kind} {number} chứng nhận xuất xứ {certified} nhưng dòng {line} (HS {hs_code})"
        " khai xuất xứ {origin}",
        "{kind} {number} certifies origin {certified} but line {line} (HS {hs_code}) declares"
        " origin {origin}",
    ),
    (
        "doc_check.co_party",
        "{kind} {number} ghi {role} là '{named}', không phải '{expected}' đã khai"
        " (độ tương đồng {similarity:.0%})",
        "{kind} {number} names {role} '{named}', not the declared '{expected}'"
        " (similarity {similarity:.0%})",
    ),
    (
        "doc_check.licence_exhausted",
        "Giấy phép {number} cho phép {allowed} {unit}; các tờ khai trước đã dùng {used}"
        " và tờ khai này khai {this}",
        "licence {number} allows {allowed} {unit}; earlier declarations used {used} and this"
        " one declares {this}",
    ),
    ("reuse.number", "số", "number"),
    ("reuse.file", "tệp (trùng SHA-256)", "file (identical SHA-256)"),
    ("reuse.number_and_file", "số và tệp (trùng SHA-256)", "number and file (identical SHA-256)"),
    (
        "doc_check.reused",
        "{kind} {number}: {what} này đã được dùng ở tờ khai {other}",
        "{kind} {number}: the same {what} was already used on declaration {other}",
    ),
    (
        "doc_check.other_trader",
        "{kind} {number}: {what} này gắn với tờ khai {other} của doanh nghiệp {other_trader}",
        "{kind} {number}: the same {what} is attached to declaration {other} of trader"
        " {other_trader}",
    ),
    (
        "doc_check.same_file",
        "Một tệp (trùng SHA-256) được nộp làm {count} loại giấy tờ: {named}",
        "one file (identical SHA-256) is attached as {count} kinds of paper: {named}",
    ),
)
