"""Why the learned model scored a declaration (`model.*`), and how a line's duty rate was found
(`duty.*`, `cell.*`), by code.

(code, Vietnamese, English), as in `clearance.catalogue`, which gathers these with the rest.
"""

REASONS: tuple[tuple[str, str, str], ...] = (
    # The learned model's reasons, for officers: the features that raised the score most.
    ("model.tally_none", "chưa từng bị kiểm tra", "no past inspections"),
    (
        "model.tally",
        "{frauds} trong {inspections} lần kiểm tra trước phát hiện vi phạm",
        "{frauds} of {inspections} past inspections found fraud",
    ),
    ("model.importer", "Người nhập khẩu {importer}: {tally}", "importer {importer}: {tally}"),
    (
        "model.new_trader",
        "Người nhập khẩu {importer} có {count} tờ khai trước đây",
        "importer {importer} has {count} earlier declarations",
    ),
    (
        "model.recent",
        "Người nhập khẩu {importer} đã khai {week} tờ khai trong 7 ngày qua, {month} trong 30 ngày",
        "importer {importer} lodged {week} declarations in the last 7 days, {month} in 30",
    ),
    (
        "model.new_goods",
        "Người nhập khẩu {importer} đã khai mặt hàng này {count} lần trước đây",
        "importer {importer} declared these goods {count} times before",
    ),
    ("model.declarant", "Người khai {declarant}: {tally}", "declarant {declarant}: {tally}"),
    ("model.hs6", "Mã HS {hs6}: {tally}", "HS {hs6}: {tally}"),
    ("model.hs6_origin", "Mã HS {hs6} xuất xứ {origin}: {tally}", "HS {hs6} x {origin}: {tally}"),
    (
        "model.route",
        "Mã HS {hs6} xuất xứ {origin} khởi hành từ {departure}: {tally}",
        "HS {hs6} of origin {origin} from {departure}: {tally}",
    ),
    (
        "model.unit_value_unknown",
        "Không tính được đơn giá (loại tiền không rõ tỷ giá)",
        "unit value not computable (unknown currency)",
    ),
    (
        "model.unit_value_no_band",
        "Đơn giá {unit_value:.2f} USD/{unit}, mã HS này chưa có khoảng giá tham chiếu",
        "unit value {unit_value:.2f} USD/{unit}, no reference band for its HS code yet",
    ),
    (
        "model.unit_value_below",
        "Đơn giá {unit_value:.2f} USD/{unit} thấp hơn {off:.0%} so với trung vị {median:.2f}"
        " USD/{unit} của {band} (n={n})",
        "unit value {unit_value:.2f} USD/{unit} is {off:.0%} below the {band} median of"
        " {median:.2f} USD/{unit} (n={n})",
    ),
    (
        "model.unit_value_above",
        "Đơn giá {unit_value:.2f} USD/{unit} cao hơn {off:.0%} so với trung vị {median:.2f}"
        " USD/{unit} của {band} (n={n})",
        "unit value {unit_value:.2f} USD/{unit} is {off:.0%} above the {band} median of"
        " {median:.2f} USD/{unit} (n={n})",
    ),
    ("model.band", "HS {hs6} xuất xứ {origin}", "HS {hs6} x {origin}"),
    ("model.band_all", "HS {hs6} mọi xuất xứ", "HS {hs6} x all origins"),
    ("model.value", "Trị giá khai báo {value:,.0f} USD", "declared value {value:,.0f} USD"),
    ("model.weight", "Trọng lượng tịnh {kg:,.0f} kg", "net weight {kg:,.0f} kg"),
    ("model.lines", "{lines} dòng hàng", "{lines} goods lines"),
    (
        "model.preference_outside",
        "Hưởng ưu đãi {preference} cho xuất xứ {origin} ngoài khu vực ưu đãi",
        "preference {preference} claimed for origin {origin} outside it",
    ),
    ("model.preference", "Có hưởng ưu đãi {preference}", "preference {preference} claimed"),
    ("model.no_preference", "Không hưởng ưu đãi", "no preference claimed"),
    (
        "model.origin_differs",
        "Xuất xứ {origin} khác nước khởi hành {departure}",
        "origin {origin} differs from departure {departure}",
    ),
    ("model.origin_same", "Xuất xứ là nước khởi hành", "origin is the country of departure"),
    ("model.kind", "Tờ khai {kind}", "{kind} declaration"),
    ("model.chapter", "Chương HS {chapter:02d}", "HS chapter {chapter:02d}"),
    ("model.documents", "Dẫn chiếu {documents} chứng từ", "{documents} documents referenced"),
    (
        "model.gross_net",
        "Tỷ lệ trọng lượng cả bì/tịnh {ratio:.2f}",
        "gross/net weight ratio {ratio:.2f}",
    ),
    ("model.no_gross", "Chưa khai trọng lượng cả bì", "gross weight not declared"),
    (
        "model.reference_price_none",
        "Chưa có giá tham chiếu cho hàng hóa này",
        "no reference price for the goods",
    ),
    (
        "model.reference_price_below",
        "Đơn giá thấp hơn {off:.0%} so với phân vị 10 của giá tham chiếu",
        "unit value {off:.0%} below the reference 10th percentile",
    ),
    (
        "model.reference_price_above",
        "Đơn giá cao hơn {off:.0%} so với phân vị 10 của giá tham chiếu",
        "unit value {off:.0%} above the reference 10th percentile",
    ),
    (
        "model.stake_no_rate",
        "Biểu thuế chưa có thuế suất cho dòng hàng; trị giá tính thuế {assessed:,.0f} USD",
        "no tariff rate known; {assessed:,.0f} USD assessed",
    ),
    (
        "model.stake",
        "Thuế nhập khẩu {duty:.0%} và VAT {vat:.0%} trên {assessed:,.0f} USD: {tax:,.0f} USD"
        " tiền thuế có thể bị thất thu",
        "duty {duty:.0%} and VAT {vat:.0%} on {assessed:,.0f} USD: {tax:,.0f} USD at stake",
    ),
    (
        "model.stake_harm",
        "{stake}, trọng số tác hại {harm:,.0f} USD",
        "{stake}, harm weight {harm:,.0f} USD",
    ),
    (
        "model.split",
        "{others} tờ khai khác của doanh nghiệp trong khung thời gian chia nhỏ lô hàng; tờ khai"
        " này bằng {own:.0%} ngưỡng, {total:.0%} khi cộng với chúng",
        "{others} other declarations of the trader in the split-shipment window; this one is"
        " {own:.0%} of the threshold, {total:.0%} with them",
    ),
    ("model.not_weighed", "Xe chưa qua cân", "truck not weighed yet"),
    (
        "model.weighbridge",
        "Cân được {weighed:,.0f} kg so với {declared:,.0f} kg khai báo ({off:+.1%})",
        "weighbridge {weighed:,.0f} kg against {declared:,.0f} kg declared ({off:+.1%})",
    ),
    (
        "model.description",
        "{lines} dòng hàng được mô tả như hàng của nhóm khác với nhóm đã khai",
        "{lines} lines described as goods of another heading than the one declared",
    ),
    (
        "model.licence",
        "{count} yêu cầu quản lý chuyên ngành chưa có giấy phép hoặc giấy chứng nhận",
        "{count} restrictions without their licence or certificate",
    ),
    (
        "model.certificates",
        "Chứng từ đã được xuất trình trên {count} tờ khai trước",
        "certificates presented on {count} earlier declarations",
    ),
    # How a line's duty rate was found, or why it is unknown.
    (
        "duty.not_a_line",
        "chưa rõ thuế suất: mã HS {hs_code} không phải một dòng của biểu thuế ngày {on}",
        "rate unknown: HS {hs_code} is not a line on {on}",
    ),
    (
        "duty.no_exchange_rate",
        "chưa rõ thuế suất: không có tỷ giá {currency} ngày {on}",
        "rate unknown: no exchange rate for {currency} on {on}",
    ),
    ("duty.rate_unknown", "chưa rõ thuế suất: {why}", "rate unknown: {why}"),
    ("duty.mfn", "thuế suất ưu đãi (MFN)", "MFN rate"),
    ("duty.mfn_none", "thuế suất ưu đãi (MFN): {why}", "MFN rate: {why}"),
    (
        "duty.standard",
        "thuế suất thông thường: {origin} không được hưởng đối xử tối huệ quốc",
        "standard rate: {origin} has no MFN treatment",
    ),
    (
        "duty.not_party",
        "xuất xứ {origin} không phải thành viên của hiệp định",
        "origin {origin} is not a party of the agreement",
    ),
    (
        "duty.refused",
        "không áp dụng ưu đãi {agreement}: {why}; {base}",
        "{agreement} preference refused: {why}; {base}",
    ),
    (
        "duty.lower_base",
        "{base}: thấp hơn thuế suất {agreement}",
        "{base}: lower than the {agreement} rate",
    ),
    ("duty.fta", "thuế suất {agreement}", "{agreement} rate"),
    ("duty.fta_note", "thuế suất {agreement} ({why})", "{agreement} rate ({why})"),
    (
        "duty.export",
        "hàng xuất khẩu không chịu thuế nhập khẩu và thuế GTGT (thuế xuất khẩu ngoài phạm vi)",
        "exports owe no import duty or VAT (export duties are out of scope)",
    ),
    (
        "duty.transit",
        "hàng quá cảnh không chịu thuế (Luật 107/2016/QH13 điều 2.4)",
        "goods in transit are not dutiable (Law 107/2016/QH13 art. 2.4)",
    ),
    # A certificate that refuses the preference.
    ("duty.co_missing", "chưa tải lên {co}", "no {co} uploaded"),
    ("duty.co_expired", "{co} đã hết hạn", "the {co} has expired"),
    (
        "duty.co_origin",
        "{co} chứng nhận xuất xứ khác với dòng hàng đã khai",
        "the {co} certifies another origin than the line declares",
    ),
    (
        "duty.co_party",
        "{co} ghi người xuất khẩu hoặc nhập khẩu khác với tờ khai",
        "the {co} names another exporter or importer than the declaration",
    ),
    (
        "duty.co_reused",
        "{co} đã được dùng cho một tờ khai khác",
        "the {co} was already used for another declaration",
    ),
    (
        "duty.co_other_trader",
        "{co} được đính kèm tờ khai của doanh nghiệp khác",
        "the {co} is attached to another trader's declaration",
    ),
    (
        "duty.co_goods",
        "hàng hóa (HS {hs6}) không có trên {co}",
        "the goods (HS {hs6}) are not on the {co}",
    ),
    # What a tariff cell says for an origin (the rate notation of the tariff files).
    (
        "cell.excluded",
        "hàng xuất xứ {origin} bị loại trừ ở dòng này",
        "goods from {origin} are excluded on this line",
    ),
    ("cell.star", "dòng này không có ưu đãi (*)", "no preference on this line (*)"),
    (
        "cell.several",
        "biểu thuế có nhiều mức ({text}): lấy mức cao nhất",
        "several rates in the schedule ({text}): the highest",
    ),
    ("cell.empty", "dòng này không có thuế suất", "no rate on this line"),
    (
        "cell.chapter_98",
        "thuế suất tính theo quy định tại Chương 98: cán bộ hải quan xác định",
        "the rate is computed by the rules of Chapter 98: an officer assesses it",
    ),
    (
        "cell.quota_only",
        "chỉ ưu đãi trong hạn ngạch của hiệp định (Q)",
        "a preference only within the agreement's quota (Q)",
    ),
    ("cell.share_of_mfn", "một tỷ lệ của thuế suất MFN", "a share of the MFN rate"),
)
