"""Aspro2 ``.obxml`` <-> the dict a2p2 builds with ``OB(path).as_dict()`` (no Django import).

``obxml_to_dict`` follows a2p2's ``etree_to_dict`` + ``normalizeObj`` (a2p2/ob.py) so the
portal stores exactly what a2p2 would have sent for the same file; ``payload_to_obxml``
writes the schema back so that a2p2 reads it again into an equal dict.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

ASPRO_OB_NS = "http://www.jmmc.fr/aspro-ob/0.1"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
# a2p2 turns these into lists even when the file has a single element.
LIST_KEYS = ("observationConfiguration", "HAinterval", "LSTinterval")
# Keys written back as XML attributes (a2p2 merges attributes into the element's dict).
ATTRIBUTE_KEYS = {"observationConfiguration": ("id",), "OB": ("ref",)}


class ObXmlError(ValueError):
    """The document is not a well-formed, safe Aspro2 OB."""


def _etree_to_dict(node: ET.Element) -> dict[str, Any]:
    tag = node.tag
    children = list(node)
    result: dict[str, Any] = {tag: {} if node.attrib else None}
    if children:
        grouped: dict[str, list] = defaultdict(list)
        for child in map(_etree_to_dict, children):
            for key, value in child.items():
                grouped[key].append(value)
        result = {tag: {k: v[0] if len(v) == 1 else v for k, v in grouped.items()}}
    if node.attrib:
        result[tag].update({k: v for k, v in node.attrib.items() if not k.startswith("{")})
    if node.text:
        text = node.text.strip()
        if children or node.attrib:
            if text:
                result[tag]["#text"] = text
        else:
            result[tag] = text
    return result


def _normalize_extra(block: dict) -> None:
    """EXTRA_INFORMATIONS: <parameter|field name= value= unit=> become plain keys (as a2p2 does)."""
    fields: list = []
    units: dict[str, str] = {}
    for kind in ("parameter", "field"):
        if kind in block:
            items = block[kind]
            fields += items if isinstance(items, list) else [items]  # an empty <parameter/> is None: refused below
    for item in fields:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or "value" not in item:
            raise ObXmlError("EXTRA_INFORMATIONS: every <parameter>/<field> needs a name and a value attribute")
        name = item["name"]
        if not name.isidentifier():
            name = re.sub("^_", "F_", re.sub(r"\W|^(?=\d)", "_", name))
        block[name] = item["value"]
        if "unit" in item:
            units[name] = item["unit"]
    block["field_units"] = units
    for kind in ("parameter", "field"):
        block.pop(kind, None)


def _normalize(obj: Any) -> Any:
    if isinstance(obj, dict):
        for key, value in list(obj.items()):
            if key in LIST_KEYS and not isinstance(value, list):
                _normalize(value)
                obj[key] = [value]
            elif key == "EXTRA_INFORMATIONS" and isinstance(value, dict):
                _normalize_extra(value)
            else:
                _normalize(value)
    elif isinstance(obj, list):
        for item in obj:
            _normalize(item)
    return obj


MAX_DEPTH = 32  # an Aspro2 OB is about 6 levels deep; the parsers below recurse once per level


def _depth(root: ET.Element) -> int:
    """Nesting depth, counted without recursion (a hostile document may be thousands deep)."""
    deepest, todo = 0, [(root, 1)]
    while todo:
        node, level = todo.pop()
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        todo.extend((child, level + 1) for child in node)
    return deepest


def obxml_to_dict(xml: bytes | str) -> dict:
    """Parse an Aspro2 OB document into the dict a2p2's ``OB(path).as_dict()`` gives."""
    raw = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        # defusedxml: no DTD, no entity expansion, no external resources, whatever the encoding.
        root = SafeET.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException:
        raise ObXmlError("DTDs and entities are not accepted in an OB file") from None
    except ET.ParseError as exc:
        raise ObXmlError(f"not well-formed XML: {exc}") from None
    except (LookupError, ValueError) as exc:  # e.g. an unknown declared encoding
        raise ObXmlError(f"unreadable XML: {exc}") from None
    if not root.tag.endswith("observingBlockDefinition"):
        raise ObXmlError(f"root element is {root.tag!r}, expected an Aspro2 observingBlockDefinition")
    if _depth(root) > MAX_DEPTH:
        raise ObXmlError(f"elements nested deeper than {MAX_DEPTH} levels: not an Aspro2 OB")
    tree = _etree_to_dict(root)
    content = tree[root.tag]
    if not isinstance(content, dict):
        raise ObXmlError("the observingBlockDefinition element is empty")
    return _normalize(content)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, key: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _append(parent, key, item)
        return
    node = ET.SubElement(parent, key)
    if isinstance(value, dict):
        attrs = ATTRIBUTE_KEYS.get(key, ())
        for name in attrs:
            if value.get(name) is not None:
                node.set(name, _text(value[name]))
        for child_key, child in value.items():
            if child_key in attrs:
                continue
            if child_key == "#text":
                node.text = _text(child)
            else:
                _append(node, child_key, child)
    elif value is not None:
        node.text = _text(value)


def payload_to_obxml(payload: dict) -> str:
    """Write an a2p2 OB dict as an Aspro2 document (schema aspro-ob/0.1)."""
    ET.register_namespace("a", ASPRO_OB_NS)
    root = ET.Element(f"{{{ASPRO_OB_NS}}}observingBlockDefinition")
    for key, value in payload.items():
        if key == "EXTRA_INFORMATIONS":
            continue  # a2p2 flattens these one way only; they are not needed by CHARA
        _append(root, key, value)
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body + "\n"
