#!/usr/bin/python3
"""
A first schema for commands from their real --json outputs (docs/json.md, Schemas).

    CV_JSON_KEEP=/tmp/out bash tests/cli/t_json_schema.sh   # keeps every output
    python3 docs/schemas/infer.py /tmp/out docs/schemas "new command"

Writes docs/schemas/new-command.schema.json: the error object, or an object with
the members seen (required when always there), ids, dates and hashes by their
shared definitions.  Read it and tighten it by hand (purge.schema.json has a
variant for the dry run); run it only for the commands named, never over the
schemas already tuned.
"""
import glob, json, os, re, sys
jdir, sdir, cmds = sys.argv[1], sys.argv[2], sys.argv[3].split("\n")
BASE = "https://casevault.invalid/schemas/"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
SHA = re.compile(r"^[0-9a-f]{64}$")
IDKEYS = {"case": "case_id", "from_case": "case_id", "to_case": "case_id", "record": "record_id", "request": "request_id",
          "hold": "number_id", "person": "number_id", "certificate": "number_id", "disclosure": "number_id",
          "intake": "intake_id", "staff": "staff_id", "consent": "number_id",
          "enquiry": "number_id", "notice": "number_id", "referral": "number_id", "correction": "number_id"}

def ref(n): return {"$ref": "common.schema.json#/$defs/" + n}

def scalar(key, vals):
    types = set()
    for v in vals:
        types.add({bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}[type(v)])
    strs = [v for v in vals if isinstance(v, str)]
    sch = None
    if types <= {"string", "null"} and strs:
        if key in IDKEYS: sch = ref(IDKEYS[key])
        elif key in ("id", "number") and all(re.match(r"^[1-9][0-9]*$", v) for v in strs): sch = ref("number_id")
        elif key.endswith("_by") and all(re.match(r"^S-\d{4}$", v) for v in strs): sch = ref("staff_id")
        elif all(DT.match(v) for v in strs): sch = ref("datetime")
        elif all(DATE.match(v) for v in strs): sch = ref("date")
        elif all(SHA.match(v) for v in strs) and "sha256" in key: sch = ref("sha256")
    if sch is None:
        t = sorted(types - {"null"}) if strs or len(types - {"null"}) else []
        if not t:  # only ever null here: what the key's name says it holds, or null
            if key in IDKEYS: return {"anyOf": [ref(IDKEYS[key]), {"type": "null"}]}
            if key.endswith("_by"): return {"anyOf": [ref("staff_id"), {"type": "null"}]}
            if key.endswith("_at"): return {"anyOf": [ref("datetime"), ref("date"), {"type": "null"}]}
            if key.endswith("sha256"): return {"anyOf": [ref("sha256"), {"type": "null"}]}
            return {"type": ["string", "null"]}
        sch = {"type": t[0] if len(t) == 1 else t}
        if "null" in types: 
            sch["type"] = [*([sch["type"]] if isinstance(sch["type"], str) else sch["type"]), "null"]
        return sch
    if "null" in types: return {"anyOf": [sch, {"type": "null"}]}
    return sch

def infer(key, vals):
    vals = list(vals)
    nonnull = [v for v in vals if v is not None]
    if nonnull and all(isinstance(v, dict) for v in nonnull):
        s = obj(nonnull)
        return s if len(nonnull) == len(vals) else {"anyOf": [s, {"type": "null"}]}
    if nonnull and all(isinstance(v, list) for v in nonnull):
        items = [x for v in nonnull for x in v]
        s = {"type": "array"}
        if items: s["items"] = infer(key[:-1] if key.endswith("s") else key, items)
        return s if len(nonnull) == len(vals) else {"anyOf": [s, {"type": "null"}]}
    if any(isinstance(v, (dict, list)) for v in nonnull): return {}
    return scalar(key, vals)

def obj(objs):
    keys = []
    for o in objs:
        for k in o:
            if k not in keys: keys.append(k)
    props = {k: infer(k, [o[k] for o in objs if k in o]) for k in keys}
    req = [k for k in keys if all(k in o for o in objs)]
    return {"type": "object", "required": req, "properties": props}

for cmd in cmds:
    name = cmd.replace(" ", "-")
    outs = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(jdir, name + ".*.json")))]
    reports = [o for o in outs if "code" not in o]
    variants = [ref("error")]
    if reports:
        s = obj(reports)
        s["properties"]["ok"] = {"const": True} if all(o["ok"] is True for o in reports) else {"type": "boolean"}
        variants.append(s)
    else:
        variants.append(ref("success"))
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": BASE + name + ".schema.json",
              "title": "casevault --json " + cmd,
              "description": "The output of 'casevault --json %s' (docs/commands/%s.md): its report, or the error object (docs/json.md)." % (cmd, name),
              "oneOf": variants}
    with open(os.path.join(sdir, name + ".schema.json"), "w") as f:
        json.dump(schema, f, indent=2); f.write("\n")
