"""Redaction: recall and false positives on a labelled set of fake secrets, plus behaviour."""

from __future__ import annotations

import json
import random
import string

import pytest

from git_skill.text import secret_values
from git_skill.text.redact import PLACEHOLDER, Redactor, redact_text

# (text, the secret values it holds). Every value is fake but shaped like the real format.
A = "Z9x8C7v6B5n4M3q2W1e0R9t8Y7u6I5o4P3a2S1d0"
SECRETS: list[tuple[str, list[str]]] = [
    ("export AWS_ACCESS_KEY_ID=AKIAZ7QW3ERT5YUI9OPL", ["AKIAZ7QW3ERT5YUI9OPL"]),
    (f"aws_secret_access_key = {A}", [A]),
    ("temp creds ASIAQWERTYUIOPASDFGH in use", ["ASIAQWERTYUIOPASDFGH"]),
    ("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=q1W2e3R4t5Y6u7I8o9P0aSdFgHjKlZxCvBnM+/==;", ["q1W2e3R4t5Y6u7I8o9P0aSdFgHjKlZxCvBnM+/=="]),
    ("maps key AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", ["AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"]),
    ("git push https://ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5@github.com/o/r", ["ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"]),
    ("GITHUB_TOKEN: gho_16C7e42F292c6912E7710c838347Ae178B4a", ["gho_16C7e42F292c6912E7710c838347Ae178B4a"]),
    ("token github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV", ["github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"]),
    ("gitlab glpat-xY9z8W7v6U5t4S3r2Q1p used", ["glpat-xY9z8W7v6U5t4S3r2Q1p"]),
    ("git clone https://oauth2:glpat-Ab12Cd34Ef56Gh78Ij90@gitlab.example.com/g/p.git", ["glpat-Ab12Cd34Ef56Gh78Ij90"]),
    ("OPENAI_API_KEY=sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90", ["sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90"]),
    ("key sk-svcacct-ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210", ["sk-svcacct-ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210"]),
    ("legacy sk-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78", ["sk-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78"]),
    ("ANTHROPIC_API_KEY=\"sk-ant-api03-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90Uv12Wx34-Yz56AA\"", ["sk-ant-api03-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90Uv12Wx34-Yz56AA"]),
    ("huggingface-cli login --token hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", ["hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"]),
    ("slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", ["xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"]),
    ("curl -X POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", ["https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"]),
    ("stripe sk_live_51Hab12Cd34Ef56Gh78Ij90Kl", ["sk_live_51Hab12Cd34Ef56Gh78Ij90Kl"]),
    ("SENDGRID=SG.aBcDeFgHiJkLmNoPqRsTuV.wXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01", ["SG.aBcDeFgHiJkLmNoPqRsTuV.wXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01"]),
    ("twilio SK0123456789abcdef0123456789abcdef", ["SK0123456789abcdef0123456789abcdef"]),
    ("bot 1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0 ok", ["1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"]),
    ("//registry.npmjs.org/:_authToken=npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", ["npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"]),
    ("password = pypi-AgEIcHlwaS5vcmcCJGE0YjQ0ZTYzLTEyMzQtNDU2Ny04OTAxLWFiY2RlZjAxMjM0NQ", ["pypi-AgEIcHlwaS5vcmcCJGE0YjQ0ZTYzLTEyMzQtNDU2Ny04OTAxLWFiY2RlZjAxMjM0NQ"]),
    ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"]),
    ("curl -H 'Authorization: Bearer abc123def456ghi789jkl' https://api.example.com", ["abc123def456ghi789jkl"]),
    ("Authorization: Basic dXNlcjpodW50ZXIy", ["dXNlcjpodW50ZXIy"]),
    ("curl -H \"x-api-key: 9f8e7d6c5b4a39281706\" https://api.example.com", ["9f8e7d6c5b4a39281706"]),
    ("curl -u admin:s3cr3tPassw0rd https://example.com/api", ["s3cr3tPassw0rd"]),
    ("DATABASE_URL=postgres://app:hunter2pass@db.internal:5432/app", ["hunter2pass"]),
    ("mongodb+srv://root:Mongo%21Pass99@cluster0.example.net/db", ["Mongo%21Pass99"]),
    ("https://bucket.s3.amazonaws.com/f?X-Amz-Credential=AKIDEXAMPLE%2F20250101&X-Amz-Signature=abcdef0123456789abcdef", ["AKIDEXAMPLE%2F20250101", "abcdef0123456789abcdef"]),
    ("DB_PASSWORD=hunter2", ["hunter2"]),
    ("export MYSQL_ROOT_PASSWORD='correct horse battery'", ["correct horse battery"]),
    ('{"client_secret": "Qm9vbS1zZWNyZXQtdmFsdWU"}', ["Qm9vbS1zZWNyZXQtdmFsdWU"]),
    ("SECRET_KEY = 'django-insecure-4x!q@w#e$r%t^y&u*i(o)p'", ["django-insecure-4x!q@w#e$r%t^y&u*i(o)p"]),
    ("api_key: 0a1b2c3d4e5f6a7b8c9d", ["0a1b2c3d4e5f6a7b8c9d"]),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx1y2z3\nAbCdEf0123\n-----END RSA PRIVATE KEY-----", ["MIIEowIBAAKCAQEAx1y2z3"]),
    ('{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0\\n-----END PRIVATE KEY-----\\n"}', ["MIIEvQIBADANBgkqhkiG9w0"]),
    ('{"auths": {"registry.example.com": {"auth": "dXNlcjpwYXNzd29yZDEyMw=="}}}', ["dXNlcjpwYXNzd29yZDEyMw=="]),
    ("REDIS_AUTH_TOKEN=f00dfacecafebabe1234", ["f00dfacecafebabe1234"]),
    ("login with PASSWD=Tr0ub4dor&3 now", ["Tr0ub4dor&3"]),
    ("my $token = 'a1b2c3d4e5f6g7h8';", ["a1b2c3d4e5f6g7h8"]),
    ("SLACK_BOT_TOKEN=xoxp-1111111111-2222222222-3333333333-abcdefabcdef", ["xoxp-1111111111-2222222222-3333333333-abcdefabcdef"]),
    ("requests.get(url, headers={'Authorization': 'token 0123456789abcdefABCD'})", ["0123456789abcdefABCD"]),
    ("aws configure set aws_secret_access_key Wq7Zt2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Ty", ["Wq7Zt2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Ty"]),
    ("deploy-cli push --token Pz4Kq9Wm2Xr7Lt5Vb8Nc3Hs6Jd", ["Pz4Kq9Wm2Xr7Lt5Vb8Nc3Hs6Jd"]),
    ("docker login -u ci -p Hx8Qm3Zr6Wt1Kp9Ls4 registry.example.com", ["Hx8Qm3Zr6Wt1Kp9Ls4"]),
    ("ssh-keygen wrote -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----", ["b3BlbnNzaC1rZXktdjEAAAAA"]),
    # Private keys seen a line at a time: a header alone, a first body line alone, a key cut short.
    ("id_rsa:-----BEGIN RSA PRIVATE KEY-----", ["-----BEGIN RSA PRIVATE KEY-----"]),
    ("id_rsa:MIIEowIBAAKCAQEAq8Zr5Tw2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Tyq8Zr5Tw2Lp9Xk4Rv", ["MIIEowIBAAKCAQEAq8Zr5Tw2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Tyq8Zr5Tw2Lp9Xk4Rv"]),
    ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7q8Zr5Tw2Lp9Xk4", ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7q8Zr5Tw2Lp9Xk4"]),
    ("key: MHcCAQEEIBq8Zr5Tw2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Tyq8Zr5Tw2oAoGCCqGSM49", ["MHcCAQEEIBq8Zr5Tw2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Tyq8Zr5Tw2oAoGCCqGSM49"]),
    ("$ head -3 deploy_key\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
     "QyNTUxOQAAACBHq9lAbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd\n$ ls",
     ["b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW", "QyNTUxOQAAACBHq9lAbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"]),
    # Bot tokens inside URL paths.
    ("curl https://api.telegram.org/bot1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0/sendMessage?chat_id=42",
     ["1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"]),
    ("GET /file/bot987654321:AAGq8Zr5Tw2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0T/photos/file_1.jpg",
     ["987654321:AAGq8Zr5Tw2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0T"]),
    ("curl -X POST https://discord.com/api/webhooks/123456789012345678/q8Zr5Tw2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Ty-q8Zr5Tw2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Tyq8Zr5Tw2",
     ["q8Zr5Tw2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Ty-q8Zr5Tw2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Tyq8Zr5Tw2"]),
]

NON_SECRETS = [
    "commit 3f786850e387550fdab836ed7e6dc881de23001b (HEAD -> main)",
    "git checkout 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "image sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "\"integrity\": \"sha512-Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy==\"",
    "github.com/pkg/errors v0.9.1 h1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=",
    "requests==2.31.0 --hash=sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f",
    "request id 123e4567-e89b-12d3-a456-426614174000 failed",
    "tool_use_id toolu_01A09q90qw90lq917835lq9 done",
    "container 4f2a9c8b1e7d started on root@0de2bcba909e:/app#",
    "max_tokens = 4096",
    "total_tokens: 1532",
    "public_key = ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host",
    "cache_key = build-cache-v3",
    "password = os.environ['DB_PASSWORD']",
    "token = ${GITHUB_TOKEN}",
    "api_key: <your-api-key>",
    "SECRET_KEY = get_secret('django')",
    "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----",
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    "the password prompt appeared",
    "passed 12 tests, 0 failed",
    "token_count = 77",
    "export PATH=/usr/local/bin:$PATH",
    "https://github.com/owner/repo/blob/main/README.md#install",
    "npm install lodash@4.17.21",
    "Authorization header missing",
    "pip install --index-url https://pypi.org/simple requests",
    "user@example.com wrote this",
    "AKIA is the prefix of AWS key ids",
    "skills-ref validate ./skill",
    "password_file = /run/secrets/db",
    "x = tokenize(sk)",
    "key_id: 2",
    "Bearer tokens are sent in headers",
    " + asttokens==3.0.0",
    " + tiktoken==0.9.0",
    "subprocess.Popen(args, pass_fds = (), close_fds = True)",
    "============================= test session starts ==============================",
    "secretstorage==3.3.3",
    'curl -H "Authorization: Bearer $LETTA_API_KEY" https://api.example.com',
    "Authorization: Bearer ${GITHUB_TOKEN}",
    "Client secret:\n```bash\nrun it\n```",
    "https://user:$PASSWORD@example.com/repo.git",
    '--header "Authorization: Bearer KEY" list-tools',
    'auth_token = client.beta(',
    "pass_rate = 0.80",
    'print(f"{train_pass_rate:+.2f}")',
    'echo "${API_KEY:+set}"',
    "GIT_AUTHOR_NAME=Alex Example",
    "export GITHUB_TOKEN=ghp_...",
    "git clone -u https://mirror.example.org/repo.git",
    "E   key=\x1b[33m'test'\x1b[0m",
    "PASS: test_password_reset",
    "mysql -u root -p appdb",
    # A certificate's and a public key's first body lines are not a private key's.
    "MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ",
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo",
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo",
    "https://api.telegram.org/bot<token>/getUpdates",
]


def test_recall_is_complete_on_the_labelled_set() -> None:
    missed = []
    for text, secrets in SECRETS:
        redacted, _ = redact_text(text)
        missed += [(text, s) for s in secrets if s in redacted]
    recall = 1 - len(missed) / sum(len(s) for _, s in SECRETS)
    assert missed == [], f"recall {recall:.2f}; missed {missed}"


def test_no_false_positives_on_hard_non_secrets() -> None:
    changed = [text for text in NON_SECRETS if redact_text(text)[0] != text]
    assert changed == []


def test_a_private_key_printed_a_line_at_a_time_is_redacted_line_by_line() -> None:
    """A session's texts reach the redactor one event at a time: a key whose header came in one text has
    its body lines in the next ones, up to its end marker; what follows the key is left alone."""
    redactor = Redactor()
    lines = ["-----BEGIN RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEAq8Zr5Tw2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Tyq8Zr5Tw2Lp9Xk4Rv",
             "Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Tyq8Zr5Tw2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Tyq8Z", "Tw2==\n", "-----END RSA PRIVATE KEY-----"]
    redacted = [redactor.redact(line) for line in lines]
    assert all(line not in "".join(redacted) for line in lines[1:4]), redacted
    assert redacted[-1] == lines[-1]
    after = "Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Tyq8Zr5Tw2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Tyq8Z"
    assert "[REDACTED:" in redactor.redact(after)  # a copy of a found line, wherever it appears
    other = "Zr5Tw2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Tyq8Zr5Tw2Lp9Xk4Rv8Nm3Bc6Hd1Fs5Jg0Ty"
    assert redactor.redact(other) == other  # the key ended: a base64 line after it is not the key's


def test_placeholders_are_typed_stable_and_idempotent() -> None:
    redactor = Redactor()
    text = "a=ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5 b=ghp_zzzzE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5 again ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
    once = redactor.redact(text)
    assert once == "a=[REDACTED:github-token#1] b=[REDACTED:github-token#2] again [REDACTED:github-token#1]"
    assert redactor.redact(once) == once
    assert redactor.counts["github-token"] == 3


def test_a_found_value_is_removed_everywhere_later() -> None:
    redactor = Redactor()
    redactor.redact("DB_PASSWORD=Zq8-Rt2w-Kp77x")
    assert redactor.redact("echo Zq8-Rt2w-Kp77x | psql") == "echo [REDACTED:secret-assignment#1] | psql"


def test_counts_never_hold_values() -> None:
    _, counts = redact_text("DB_PASSWORD=hunter2 ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5")
    assert dict(counts) == {"secret-assignment": 1, "github-token": 1}
    assert "hunter2" not in json.dumps(dict(counts))


@pytest.mark.parametrize("text", [t for t, _ in SECRETS])
def test_placeholder_format(text: str) -> None:
    redacted, counts = redact_text(text)
    assert PLACEHOLDER.search(redacted) and sum(counts.values()) >= 1


def test_later_copies_of_many_found_values_are_removed_in_every_case() -> None:
    """Found values are searched for with the keywords in one pass; the 256 most recent are remembered."""
    redactor = Redactor()
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits
    values = ["".join(rng.choice(alphabet) for _ in range(14)) + f"{i:03d}" for i in range(600)]
    assert all(secret_values.strong(v) for v in values)  # strong values: known values are high confidence only
    for value in values:
        assert value not in redactor.redact(f"DB_PASSWORD={value}")
    assert Redactor().redact(f"echo {values[-1]}") == f"echo {values[-1]}"  # a fresh redactor keeps it
    bare = " ".join(values[-256:])
    cleaned = redactor.redact(f"echo {bare} done")
    assert not any(value in cleaned for value in values[-256:])
    assert cleaned.startswith("echo [REDACTED:secret-assignment#") and cleaned.endswith(" done")
    assert values[0] in redactor.redact(f"echo {values[0]}")  # long forgotten: memory is bounded
    mixed = redactor.redact(f"ünïcode {values[-1]} and {values[-2]}")  # the str path, not the ASCII one
    assert values[-1] not in mixed and values[-2] not in mixed
