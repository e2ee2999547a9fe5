"""Write each sample paper's PDF from its fields file: `python examples/make_papers.py`.

The PDFs are committed; run this only after changing a fields file. Each is a one-page A4 PDF
with the paper's fields as text (Helvetica, so names are shown without diacritics or Hanzi).
"""

import json
import unicodedata
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

HERE = Path(__file__).parent
TITLES = {
    "invoice": "COMMERCIAL INVOICE",
    "packing_list": "PACKING LIST",
    "contract": "BORDER TRADE CONTRACT",
    "co_form_e": "CERTIFICATE OF ORIGIN - FORM E (ASEAN-China FTA)",
    "phytosanitary": "PHYTOSANITARY CERTIFICATE",
}
# Helvetica has no Hanzi: the Chinese party is shown by its English name.
ENGLISH = {"金水河边贸有限公司": "Jinshuihe Border Trade Co., Ltd."}


def _ascii(value: str) -> str:
    for hanzi, english in ENGLISH.items():
        value = value.replace(hanzi, english)
    value = value.replace("đ", "d").replace("Đ", "D")
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return folded.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _item(item: object) -> str:
    if isinstance(item, dict):
        return ", ".join(f"{key} {value}" for key, value in item.items())
    return str(item)


def _lines(fields: dict[str, object]) -> list[str]:
    lines = [TITLES[str(fields["kind"])], ""]
    for name, value in fields.items():
        if isinstance(value, list):
            lines.append(f"{name}:")
            lines += [f"    {_item(item)}" for item in value]
        elif name != "kind":
            lines.append(f"{name}: {value}")
    return [_ascii(line) for line in lines]


def write_pdf(fields: dict[str, object], out: Path) -> None:
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    text = " T* ".join(f"({line}) Tj" for line in _lines(fields))
    content = DecodedStreamObject()
    content.set_data(f"BT /F1 11 Tf 14 TL 56 780 Td {text} ET".encode())
    page[NameObject("/Contents")] = writer._add_object(content)
    writer.add_metadata({"/Title": f"{TITLES[str(fields['kind'])]} {fields['number']}"})
    with out.open("wb") as file:
        writer.write(file)


if __name__ == "__main__":
    for fields_file in sorted(HERE.glob("*/*.json")):
        write_pdf(json.loads(fields_file.read_text()), fields_file.with_suffix(".pdf"))
        print(fields_file.with_suffix(".pdf").relative_to(HERE))
