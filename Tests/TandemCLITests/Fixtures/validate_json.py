# Validates JSON documents (a .jsonl file: each line) against a JSON Schema (draft 2020-12);
# prints the first problems and exits 1 when any document does not conform. Used by JSONSchemaTests.
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    docs = [json.loads(l) for l in open(path) if l.strip()] if path.endswith('.jsonl') else [json.load(open(path))]
    for n, doc in enumerate(docs):
        for e in v.iter_errors(doc):
            bad += 1
            if bad <= 5: print(f"{path}{'' if len(docs) == 1 else ' line ' + str(n + 1)}: at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}")
sys.exit(1 if bad else 0)
