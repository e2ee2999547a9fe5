"""Pydantic's error types as messages (`input.<type>`), with pydantic's context as parameters.

The English says what pydantic says (its own wording); the Vietnamese says it without the
English fragments some contexts carry (`{error}` of a parsing error). `clearance.pydantic_errors`
names the code of an error. (code, Vietnamese, English), gathered by `clearance.catalogue`.
"""

INPUT: tuple[tuple[str, str, str], ...] = (
    ("input.other", "giá trị không hợp lệ", "{pydantic}"),
    ("input.missing", "bắt buộc phải có", "Field required"),
    ("input.extra_forbidden", "trường này không được phép", "Extra inputs are not permitted"),
    ("input.json_invalid", "JSON không hợp lệ", "Invalid JSON: {error}"),
    ("input.json_type", "phải là văn bản JSON", "JSON input should be string, bytes or bytearray"),
    ("input.model_type", "phải là một đối tượng", "Input should be an object"),
    (
        "input.model_attributes_type",
        "phải là một đối tượng",
        "Input should be a valid dictionary or object to extract fields from",
    ),
    ("input.dict_type", "phải là một đối tượng", "Input should be a valid dictionary"),
    ("input.list_type", "phải là một danh sách", "Input should be a valid list"),
    ("input.string_type", "phải là chuỗi ký tự", "Input should be a valid string"),
    (
        "input.string_too_short",
        "phải có ít nhất {min_length} ký tự",
        "String should have at least {min_length} characters",
    ),
    (
        "input.string_too_long",
        "chỉ được có tối đa {max_length} ký tự",
        "String should have at most {max_length} characters",
    ),
    (
        "input.string_pattern_mismatch",
        "không đúng mẫu '{pattern}'",
        "String should match pattern '{pattern}'",
    ),
    (
        "input.too_short",
        "phải có ít nhất {min_length} phần tử, không phải {actual_length}",
        "{field_type} should have at least {min_length} items after validation, not"
        " {actual_length}",
    ),
    (
        "input.too_long",
        "chỉ được có tối đa {max_length} phần tử, không phải {actual_length}",
        "{field_type} should have at most {max_length} items after validation, not {actual_length}",
    ),
    ("input.int_type", "phải là số nguyên", "Input should be a valid integer"),
    (
        "input.int_parsing",
        "phải là số nguyên",
        "Input should be a valid integer, unable to parse string as an integer",
    ),
    (
        "input.int_from_float",
        "phải là số nguyên, không có phần thập phân",
        "Input should be a valid integer, got a number with a fractional part",
    ),
    ("input.float_type", "phải là số", "Input should be a valid number"),
    (
        "input.float_parsing",
        "phải là số",
        "Input should be a valid number, unable to parse string as a number",
    ),
    ("input.finite_number", "phải là số hữu hạn", "Input should be a finite number"),
    (
        "input.decimal_type",
        "phải là số thập phân",
        "Decimal input should be an integer, float, string or Decimal object",
    ),
    ("input.decimal_parsing", "phải là số thập phân", "Input should be a valid decimal"),
    (
        "input.decimal_max_digits",
        "chỉ được có tối đa {max_digits} chữ số",
        "Decimal input should have no more than {max_digits} digits in total",
    ),
    (
        "input.decimal_max_places",
        "chỉ được có tối đa {decimal_places} chữ số thập phân",
        "Decimal input should have no more than {decimal_places} decimal places",
    ),
    (
        "input.decimal_whole_digits",
        "chỉ được có tối đa {whole_digits} chữ số trước dấu thập phân",
        "Decimal input should have no more than {whole_digits} digits before the decimal point",
    ),
    ("input.bool_type", "phải là giá trị đúng hoặc sai", "Input should be a valid boolean"),
    (
        "input.bool_parsing",
        "phải là giá trị đúng hoặc sai",
        "Input should be a valid boolean, unable to interpret input",
    ),
    ("input.greater_than", "phải lớn hơn {gt}", "Input should be greater than {gt}"),
    (
        "input.greater_than_equal",
        "phải lớn hơn hoặc bằng {ge}",
        "Input should be greater than or equal to {ge}",
    ),
    ("input.less_than", "phải nhỏ hơn {lt}", "Input should be less than {lt}"),
    (
        "input.less_than_equal",
        "phải nhỏ hơn hoặc bằng {le}",
        "Input should be less than or equal to {le}",
    ),
    (
        "input.literal_error",
        "phải là một trong các giá trị {expected}",
        "Input should be one of {expected}",
    ),
    ("input.enum", "phải là một trong các giá trị {expected}", "Input should be one of {expected}"),
    (
        "input.union_tag_invalid",
        "'{tag}' không phải một trong các giá trị {expected_tags} của {discriminator}",
        "Input tag '{tag}' found using {discriminator} does not match any of the expected tags:"
        " {expected_tags}",
    ),
    (
        "input.union_tag_not_found",
        "không tìm thấy {discriminator} để phân loại",
        "Unable to extract tag using discriminator {discriminator}",
    ),
    ("input.uuid_type", "phải là một UUID", "UUID input should be a string, bytes or UUID object"),
    ("input.uuid_parsing", "phải là một UUID hợp lệ", "Input should be a valid UUID, {error}"),
    ("input.date_type", "phải là một ngày hợp lệ", "Input should be a valid date"),
    (
        "input.date_parsing",
        "phải là một ngày hợp lệ (YYYY-MM-DD)",
        "Input should be a valid date in the format YYYY-MM-DD, {error}",
    ),
    (
        "input.date_from_datetime_parsing",
        "phải là một ngày hợp lệ (YYYY-MM-DD)",
        "Input should be a valid date or datetime, {error}",
    ),
    (
        "input.date_from_datetime_inexact",
        "phải là một ngày, không kèm giờ",
        "Datetimes provided to dates should have zero time - e.g. be exact dates",
    ),
    ("input.datetime_type", "phải là một thời điểm hợp lệ", "Input should be a valid datetime"),
    (
        "input.datetime_parsing",
        "phải là một thời điểm hợp lệ (ISO 8601)",
        "Input should be a valid datetime, {error}",
    ),
    (
        "input.datetime_from_date_parsing",
        "phải là một thời điểm hợp lệ (ISO 8601)",
        "Input should be a valid datetime or date, {error}",
    ),
    ("input.timezone_aware", "phải kèm múi giờ", "Input should have timezone info"),
    (
        "input.time_parsing",
        "phải là một giờ hợp lệ",
        "Input should be in a valid time format, {error}",
    ),
    ("input.url_parsing", "phải là URL hợp lệ", "Input should be a valid URL, {error}"),
    (
        "input.url_scheme",
        "URL phải dùng giao thức {expected_schemes}",
        "URL scheme should be {expected_schemes}",
    ),
    (
        "input.ip_any_network",
        "phải là một địa chỉ hoặc mạng IP hợp lệ",
        "value is not a valid IPv4 or IPv6 network",
    ),
    ("input.value_error", "giá trị không hợp lệ", "Value error, {error}"),
    ("input.assertion_error", "giá trị không hợp lệ", "Assertion failed, {error}"),
)
