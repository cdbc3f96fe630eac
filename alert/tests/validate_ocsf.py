"""Validates OCSF findings (JSON lines) against the real OCSF schema.

usage: validate_ocsf.py FINDINGS.jsonl VERSION [VERSION ...]

The schema comes from the pinned `ocsf-json-schema` package (the OCSF schema export of each
version, compiled to a JSON Schema draft 2020-12 for the class the record's class_uid names,
with the profiles the record declares in metadata.profiles). Prints one summary line per
version and exits 1 when any record is invalid.
"""
import json
import sys

from jsonschema import Draft202012Validator, FormatChecker
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema


def main():
    path, versions = sys.argv[1], sys.argv[2:]
    with open(path, encoding="utf-8") as f:
        findings = [json.loads(line) for line in f if line.strip()]
    failed = False
    for version in versions:
        schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(version=version))
        validators = {}
        bad = 0
        for i, finding in enumerate(findings):
            class_name = schema.lookup_class_name_from_uid(class_uid=finding["class_uid"])
            profiles = tuple(finding.get("metadata", {}).get("profiles", []))
            key = (class_name, profiles)
            if key not in validators:
                js = schema.get_class_schema(class_name=class_name, profiles=list(profiles))
                Draft202012Validator.check_schema(js)
                validators[key] = Draft202012Validator(js, format_checker=FormatChecker())
            errors = sorted(validators[key].iter_errors(finding), key=lambda e: list(e.path))
            if errors:
                bad += 1
                if bad <= 5:
                    print(f"line {i + 1}: {len(errors)} error(s)")
                    for e in errors[:5]:
                        where = "/".join(str(p) for p in e.absolute_path)
                        print(f"  at /{where}: {e.message[:300]}")
        print(f"OCSF {version}: {len(findings) - bad} of {len(findings)} findings valid "
              f"({', '.join(sorted(set(k[0] for k in validators)))})")
        failed = failed or bad > 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
