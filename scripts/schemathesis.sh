#!/usr/bin/env bash
# Contract fuzzing: Schemathesis (pinned, in its own venv .venv/schemathesis) over openapi.yaml
# against the dev server, with every check, four times: unauthenticated; with the token of an
# active learner (logged in, profile completed through /_dev/sms as scripts/smoke.sh does); the
# school's routes (/institution/...) with the ID token of a reviewer of the demo school from the
# dev server's issuer (POST /_dev/institution-token, verified by its JWT authorizer as API
# Gateway's would); and the credit bank's routes (/platform/...) with the ID token of its staff
# (role PLATFORM) from the same issuer. Before that the learner registers achievements (an upload
# form posted to /_dev/files, then POST /achievement-registrations), one of them returned by the
# school, applies to convert their certificate under the demo school's published demo rule
# (成果转换) and files two questions (问题反馈), one about a registration with an attachment, the
# other forwarded by the school to the credit bank; and the school drafts a rule: the {id}
# routes are given those ids (registrations, applications, the learner's achievements, rules,
# tickets) half of the time (scripts/schemathesis.toml), random ones otherwise.
# No 5xx, every response valid against its documented schema, every status and header documented.
#
#   scripts/schemathesis.sh            # the four runs; MAX_EXAMPLES (default 40) per operation
set -euo pipefail
cd "$(dirname "$0")/.."

ST_VERSION=4.32.5
venv=.venv/schemathesis
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$ST_VERSION"; then
    echo "schemathesis.sh: installing schemathesis==$ST_VERSION into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi

# shellcheck source=scripts/lib/devserver.sh
source scripts/lib/devserver.sh
devserver_start --log .tmp/devserver-schemathesis.log --wait /achievement-types
base=$DEVSERVER_URL

# An active learner: the demo learner's first login, SMS code from the outbox, profile completed;
# a reviewer of the demo school; the credit bank's staff; registrations of the learner, one
# returned by the school, and uploads posted; an application of the learner under the demo rule,
# a draft rule of the school; two tickets of the learner, one forwarded. Prints the learner's
# token, the reviewer's and the credit bank's, and writes the ids (registrations, uploads,
# applications, achievements, rules, tickets, what a ticket may be about) where
# scripts/schemathesis.toml reads them.
mkdir -p .tmp
ids_file=.tmp/schemathesis-registration-ids.txt
read -r token staff_token platform_token < <(python3 - "$base" "$ids_file" <<'PY'
import json, re, sys, urllib.request as u
base, ids_file = sys.argv[1], sys.argv[2]
opener = u.build_opener(u.ProxyHandler({}))
def call(method, path, body=None, token=None):
    req = u.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    return json.load(opener.open(req))
c = call("GET", "/captcha")
login = call("POST", "/login", {"account": "440883200305125051", "password": "125051",
                                "captchaId": c["captchaId"], "captchaAnswer": c["devAnswer"]})
token = login["token"]
call("POST", "/sms/code", {"mobile": "13800138000"}, token)
text = call("GET", "/_dev/sms?mobile=13800138000")["messages"][-1]["text"]
code = re.search(r"验证码为(\d{6})", text).group(1)
call("PUT", "/profile", {"idType": "RESIDENT_ID_CARD", "idValidFrom": "2019-05-01",
     "idValidTo": "2029-05-01", "idLongTerm": False, "mobile": "13800138000",
     "smsCode": code, "newPassword": "Gd7-river-lantern"}, token)
staff = call("POST", "/_dev/institution-token", {"institution": "DEMO-SCHOOL", "role": "REVIEWER"})["token"]

# A 1x1 PNG, posted with an upload form as a browser posts it (fields first, the file last).
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4"
                    "890000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082")
def upload():
    form = call("POST", "/uploads", {"fileName": "证书.png", "contentType": "image/png", "size": len(PNG)}, token)
    boundary = "schemathesis-form-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in form["fields"].items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
                 f"Content-Type: image/png\r\n\r\n".encode() + PNG + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    req = u.Request(base + form["url"], method="POST", data=b"".join(parts))
    req.add_header("content-type", f"multipart/form-data; boundary={boundary}")
    opener.open(req).read()
    return form["uploadId"]
ids, uploads = [], []
for i in range(4):
    uploads.append(upload())
    reg = call("POST", "/achievement-registrations", {
        "institution": "DEMO-SCHOOL", "name": f"职业技能等级证书 {i + 1}", "type": "NON_ACADEMIC",
        "subtype": "X_CERTIFICATE", "issuer": "学分银行演示发证机构", "obtainedAt": "2024-06-28",
        "evidence": [uploads[-1]]}, token)
    ids.append(reg["id"])
call("POST", f"/institution/achievement-registrations/{ids[0]}/decision",
     {"decision": "RETURN", "reason": "请补充证书背面"}, staff)
uploads += [upload() for _ in range(6)]  # posted, not attached yet
def dictionary(name, values):
    with open(name, "w") as f:
        f.write("".join(f'"{v}"\n' for v in values))
dictionary(ids_file, ids)
dictionary(ids_file.replace("registration-ids", "upload-ids"), uploads)

# 成果转换: the demo rule (the dev server's demo data publishes it) met by the learner's
# certificate, applied under; a draft of the school, for the rule routes.
achievements = call("GET", "/achievements?pageSize=50", None, token)["items"]
certificate = next(a["id"] for a in achievements if a["source"] == "personal")
demo_rule = call("GET", "/conversion-rules?subtype=X_CERTIFICATE")["items"][0]["id"]
application = call("POST", "/conversions", {"achievementId": certificate, "ruleId": demo_rule}, token)
draft = call("POST", "/institution/conversion-rules", {
    "name": "职业技能等级证书转换实训课程", "source": {"type": "NON_ACADEMIC", "subtype": "X_CERTIFICATE"},
    "target": {"courseCode": "ELE-202", "courseName": "电梯安装与调试", "credits": 2, "mode": "REPLACE"},
    "maxCredits": 2, "effectiveFrom": "2024-01-01"}, staff)
dictionary(ids_file.replace("registration-ids", "conversion-ids"), [application["id"]])
dictionary(ids_file.replace("registration-ids", "achievement-ids"), [a["id"] for a in achievements])
dictionary(ids_file.replace("registration-ids", "rule-ids"), [demo_rule, draft["id"]])

# 问题反馈: a question about the returned registration with a screenshot, awaiting the school;
# another the school forwards to the credit bank (two of the learner's five tickets of the day).
question = {"institution": "DEMO-SCHOOL", "category": "HELP", "title": "登记为何被退回",
            "content": "我登记的证书被退回，想了解需要补充哪些材料。"}
asked = call("POST", "/feedback", dict(question, relatedId=ids[0], attachments=[upload()]), token)
passed_on = call("POST", "/feedback", dict(question, category="CONSULT", title="学分未同步到账户"), token)
call("POST", f"/institution/feedback/{passed_on['id']}/forward", {"note": "请平台核查学分同步"}, staff)
platform = call("POST", "/_dev/institution-token", {"institution": "NCB", "role": "PLATFORM"})["token"]
dictionary(ids_file.replace("registration-ids", "feedback-ids"), [asked["id"], passed_on["id"]])
dictionary(ids_file.replace("registration-ids", "related-ids"), ids + [application["id"]])
print(token, staff, platform)
PY
)
[[ -n "${platform_token:-}" ]] || { echo "schemathesis.sh: the learner's, the reviewer's and the credit bank's setup failed" >&2; exit 1; }

# Hostile URL parts over real HTTP: a clean 400, and the server is still there afterwards.
for header in 'Host: a:b' 'Host: localhost:99999' 'Host: [::1' 'X-Forwarded-Proto: a b'; do
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "$header" "$base/me")
    if [[ "$status" != 400 ]]; then
        echo "schemathesis.sh: '$header' answered $status, not 400" >&2
        exit 1
    fi
done
curl -fs "$base/achievement-types" >/dev/null || { echo "schemathesis.sh: the dev server died" >&2; exit 1; }
echo "hostile Host / X-Forwarded-Proto: 400, dev server still serving"

run() {
    "$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run openapi.yaml --url "$base" --checks all \
        --max-examples "${MAX_EXAMPLES:-40}" --workers 1 --seed 9 \
        --suppress-health-check too_slow,filter_too_much "$@"
}

echo "==> schemathesis, unauthenticated"
run
echo "==> schemathesis, as an active learner (logout, password and mobile changes left out: they end the session or lock the account; the staff's routes: the next runs)"
run -H "Authorization: Bearer $token" --exclude-path /logout --exclude-path /password --exclude-path /mobile \
    --exclude-path-regex '^/(institution|platform)/'
echo "==> schemathesis, the school's routes as a reviewer of the demo school"
run -H "Authorization: Bearer $staff_token" --include-path-regex '^/institution/'
echo "==> schemathesis, the credit bank's routes as its staff"
run -H "Authorization: Bearer $platform_token" --include-path-regex '^/platform/'
kill -0 "$DEVSERVER_PID" || { echo "schemathesis.sh: the dev server died" >&2; exit 1; }
echo "schemathesis: no failures"
