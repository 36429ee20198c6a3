# Writes a synthetic STIX 2.1 bundle of N indicators (domains, SHA-256, URLs;
# every tenth with an "indicates" relationship) for the import job benchmark:
#   python3 bench/hub/stix-bundle.py 156000 /tmp/bundle-100mb.json   (~100 MB)
import sys, uuid, random
n = int(sys.argv[1])
out = open(sys.argv[2], 'w')
out.write('{"type":"bundle","id":"bundle--%s","objects":[' % uuid.uuid4())
out.write('{"type":"identity","spec_version":"2.1","id":"identity--11111111-1111-4111-8111-111111111111","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","name":"Feed","identity_class":"organization"},')
out.write('{"type":"malware","spec_version":"2.1","id":"malware--22222222-2222-4222-8222-222222222222","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","name":"BenchRAT","is_family":true}')
r = random.Random(1)
for i in range(n):
    iid = "indicator--%s" % uuid.UUID(int=r.getrandbits(128), version=4)
    kind = i % 3
    if kind == 0:
        pat = "[domain-name:value = 'host%d-%x.bench-example.org']" % (i, r.getrandbits(32))
    elif kind == 1:
        pat = "[file:hashes.'SHA-256' = '%064x']" % r.getrandbits(256)
    else:
        pat = "[url:value = 'https://bench-%d.example.net/path/%x/login.php']" % (i, r.getrandbits(48))
    out.write(',{"type":"indicator","spec_version":"2.1","id":"%s","created_by_ref":"identity--11111111-1111-4111-8111-111111111111","created":"2026-01-01T00:00:00Z","modified":"2026-01-02T00:00:00Z","name":"bench indicator %d","description":"synthetic indicator number %d for the import benchmark","indicator_types":["malicious-activity"],"pattern":"%s","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]}' % (iid, i, i, pat.replace('"','\\"')))
    if i % 10 == 0:
        out.write(',{"type":"relationship","spec_version":"2.1","id":"relationship--%s","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","relationship_type":"indicates","source_ref":"%s","target_ref":"malware--22222222-2222-4222-8222-222222222222"}' % (uuid.UUID(int=r.getrandbits(128), version=4), iid))
out.write(']}')
