"""Precision on real-shaped text: each class of false positive found on real skills and sessions, the
confidence of every find, propagation of high-confidence finds only, and secrets given as separate arguments.

Every case is written here (modelled on what real text does), none is copied from a fixture."""

from __future__ import annotations

import json

import pytest

from git_skill.text.redact import Redactor, names_a_secret, redact_text
from git_skill.text.secret_values import HIGH, LOW

STRONG = "Rk4QzW8nLp2XvT6yHs9JdM3c"  # a value that passes the entropy gate

CODE_EXPRESSIONS = [
    'token = params.get("token")',
    'api_key = settings["api_key"]',
    "secret := config.Secret{Name: name}",
    'var password = Environment.GetEnvironmentVariable("DB_PASSWORD");',
    "$header = 'Authorization: Bearer ' . getenv('SERVICE_TOKEN');",
    "auth_token = client.beta(",
    "token = client.beta(\n    name='x')",
    "password = self.vault.read(path)",
    "access_token = response.json()['access_token']",
    "secret = base64.b64decode(blob)",
    "client_secret => $this->config->get('secret')",
    "token = await session.fetch(url)",
    "password=args.password",
    "api_key = os.environ.get('API_KEY') or default_key()",
]

SECRET_WORD_NAMES = [
    "pass_rate = 0.80",
    "expectation_pass_rate: +0.50",
    "train_passed=12 eval_passed=9",
    "PASS: test_login_redirects",
    "PASS: tests/test_auth.py::test_token_refresh",
    'RESULTS="$RESULTS\\nPASS: explain-the-build-steps"',
    '{"output": "ok\\nPASS: api-token-rotation-works\\nFAIL: other"}',
    "GIT_AUTHOR_NAME=Jane Doe",
    "GIT_AUTHOR_EMAIL=jane@example.org GIT_COMMITTER_NAME=Jane",
    'print(f"delta {x_pass_rate:+.2f} over {baseline_pass_rate:.1%}")',
    'echo "key set: ${API_KEY:+yes}"',
    "token_budget = 2048",
    "password_min_length: 12",
    "compass_heading = 270",
    "bypass_cache=true",
    "PWD=/app/src",
    "OLDPWD=/root",
    "tiktoken: 0.9.0",
    "secret_name: prod-db-credentials",
    "passes: 14, failures: 0",
    "token_type: Bearer",
    "password: changeme",  # a single word: prose and enumerations, never a value
    "curl -u admin:password https://api.example.com",
    "api_key_header = X-Api-Key",
]

STAND_INS = [
    "export GITHUB_TOKEN=ghp_...",
    "SLACK_BOT_TOKEN=xoxp-...",
    "OPENAI_API_KEY=sk-…",
    "OPENAI_API_KEY=sk-...",
    "ANTHROPIC_API_KEY=sk-ant-xxxxxxxx",
    "api_key: <paste your key>",
    "--token $VERCEL_TOKEN",
    "password: ${{ secrets.DB_PASSWORD }}",
    "token=%(token)s",
    '"authorization_token": "ghp_... (required)",',
    'refresh_token: "xoxe-1-...",',
    "'refresh' => ['refresh_token' => 'xoxe-2-rotated-...'],",
    "Authorization: Bearer [ACCESS_TOKEN]",
    "GET https://api.example.org/v1/series?series_id=GDP&api_key=YOUR_KEY&file_type=json",
    "password: String!",
    "ForgotPassword: 'forgot-password',",
    'connection_string = "/run/app/data/datastore.sqlite3"',
    "- **API key** (recommended): append `&api_key=YOUR_KEY`.",
    'type UserWithoutPassword = Omit<User, "password">;',
    "timestamp: $(date -u +%Y-%m-%dT%H:%M:%SZ)",
    "- Low-pass: 10-20 Hz (remove high-frequency noise)",
    "- **API Token: REQUIRED.** Request a free token on the site.",
    "export GOOGLE_APPLICATION_CREDENTIALS=/path/to/service-account.json",
    "fs = gcsfs.GCSFileSystem(token='path/to/credentials.json')",
    'connection_string = "postgresql+psycopg://user:pass@localhost:5432/vectordb"',
    "tls.key: |\n  -----BEGIN PRIVATE KEY-----\n  ...\n  -----END PRIVATE KEY-----\n",
    "tool -u https://mirror.example.org/path/to/repo",
    '{"command": "export DB_PASSWORD=\\"$DB_PASSWORD\\" && deploy --token \\"${TOKEN}\\""}',
    "git remote add origin -u https://host.example/group/project.git",
]

ESCAPED = [
    'E       AssertionError: key=\x1b[33m"test"\x1b[0m',
    "password=\x1b[1m\x1b[31mrequired\x1b[0m",
    "\x1b[32mPASS\x1b[0m: test_api_key_rotation",
]


@pytest.mark.parametrize("text", CODE_EXPRESSIONS + SECRET_WORD_NAMES + STAND_INS + ESCAPED)
def test_not_a_secret(text: str) -> None:
    assert redact_text(text)[0] == text


EXAMPLES = [
    'export VERCEL_TOKEN="vca_abc123"',
    "api_key: sk-your-secret-here",
    "OPENAI_API_KEY=sk-abc123...",
    "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
    "DB_PASSWORD=secret123",
    "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "curl -u admin:s3cret1 https://api.example.com",
    "DB_PASSWORD=hunter2",
    "const sessionKey = 'please-use-this-skill';",  # words joined by hyphens: guessable
    "export OPENROUTER_API_KEY='sk-or-v1-team2-key'",
    '"Authorization": "Bearer sk-hardcoded-token"',
    'password: "Demo456!@#"',
    'API_KEY = "sk-12345"',
    "const clientKey = 'YW4gZXhhbXBsZSBub25jZSB2YWx1ZQ==';",  # base64 of readable example text
]


@pytest.mark.parametrize("text", EXAMPLES)
def test_examples_and_weak_values_are_redacted_with_low_confidence(text: str) -> None:
    redactor = Redactor(record=True)
    redactor.redact(text)
    assert redactor.found and {f.confidence for f in redactor.found} == {LOW}, redactor.found


STRONG_FINDS = [
    (f"DB_PASSWORD={STRONG}", "secret-assignment"),
    ("GITHUB_TOKEN=ghp_Rk4QzW8nLp2XvT6yHs9JdM3cFb7GqN1aE5uK", "github-token"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----", "private-key"),
    (f"git clone https://deploy:{STRONG}@git.example.com/r.git", "url-credentials"),
    (f"Authorization: Bearer {STRONG}", "http-auth"),
]


@pytest.mark.parametrize(("text", "kind"), STRONG_FINDS)
def test_provider_formats_keys_urls_headers_and_strong_values_are_high(text: str, kind: str) -> None:
    redactor = Redactor(record=True)
    redactor.redact(text)
    assert [(f.kind, f.confidence) for f in redactor.found] == [(kind, HIGH)]


def test_only_high_confidence_values_are_removed_everywhere_later() -> None:
    redactor = Redactor()
    assert redactor.redact("DB_PASSWORD=hunter2") == "DB_PASSWORD=[REDACTED:secret-assignment#1]"
    assert redactor.redact("the hunter2 example") == "the hunter2 example"  # low: redacted where it stood only
    redactor.redact(f"API_TOKEN={STRONG}")
    assert redactor.redact(f"echo {STRONG}") == "echo [REDACTED:secret-assignment#2]"


def test_an_api_name_taken_for_a_value_never_vanishes_from_the_rest_of_the_text() -> None:
    text = "token = client.beta(\n" + "result = client.beta(model='m')\n" * 30
    assert redact_text(text)[0] == text


def test_a_test_status_label_never_makes_its_test_name_a_known_value() -> None:
    text = 'RESULTS="$RESULTS\\nPASS: please-use-brainstorming"\necho ">>> Test 3: please-use-brainstorming"\n'
    assert redact_text(text)[0] == text


def test_a_placeholder_is_never_taken_for_url_credentials() -> None:
    text = "git clone https://ghp_Rk4QzW8nLp2XvT6yHs9JdM3cFb7GqN1aE5uK@github.com/o/r.git"
    redactor = Redactor(record=True)
    assert redactor.redact(text) == "git clone https://[REDACTED:github-token#1]@github.com/o/r.git"
    assert [f.kind for f in redactor.found] == ["github-token"]


def test_a_known_value_is_removed_only_as_a_whole_word() -> None:
    redactor = Redactor()
    redactor.redact("PASSWORD=8XQP5R2TZ9W")
    assert redactor.redact("guess 8XQP5R2TZ9WK7VB3 failed") == "guess 8XQP5R2TZ9WK7VB3 failed"
    assert redactor.redact("guess 8XQP5R2TZ9W failed") == "guess [REDACTED:secret-assignment#1] failed"
    escaped = redactor.redact('{"command": "echo start\\n8XQP5R2TZ9W"}')  # tool arguments are redacted as JSON
    assert escaped == '{"command": "echo start\\n[REDACTED:secret-assignment#1]"}'


def test_the_same_placeholder_is_judged_the_same_everywhere() -> None:
    for text in ("export OPENAI_API_KEY=sk-your-key-here", "OPENAI_API_KEY: sk-your-key-here",
                 '{"OPENAI_API_KEY": "sk-your-key-here"}', "--api-key sk-your-key-here"):
        redactor = Redactor(record=True)
        redactor.redact(text)
        assert [f.confidence for f in redactor.found] == [LOW], text


SEPARATE_ARGUMENTS = [
    f"aws configure set aws_secret_access_key {STRONG}",
    f"aws configure set aws_session_token {STRONG} --profile ci",
    f"vercel deploy --token {STRONG}",
    f'gh-tool login --password "{STRONG}"',
    f"cli --api-key {STRONG} list",
    f"docker login -u deployer -p {STRONG} registry.example.com",
    f"podman login registry.example.com -u me -p {STRONG}",
    f"sshpass -p {STRONG} ssh deploy@host",
    f"mysql -u root -p{STRONG} appdb",
    f"redis-cli -h cache -a {STRONG} ping",
    f"yarn config set npmAuthToken {STRONG}",
    f"git config --global http.proxyPassword {STRONG}",
    f"curl -s -u admin:{STRONG} https://api.example.com",
    f"wget --user=admin --password={STRONG} https://files.example.com/a.tgz",
    f"https://api.example.org/v1/data?series=GDP&api_key={STRONG}&format=json",
]


@pytest.mark.parametrize("text", SEPARATE_ARGUMENTS)
def test_secrets_given_as_separate_arguments(text: str) -> None:
    redacted, counts = redact_text(text)
    assert STRONG not in redacted and sum(counts.values()) == 1


def test_a_secret_right_after_a_json_newline_escape() -> None:
    for text in (f'{{"command": "cd /app\\nDB_PASSWORD={STRONG} ./run"}}', f'{{"command": "cd /app\\n--password {STRONG}"}}'):
        assert STRONG not in redact_text(text)[0], text
    token = "ghp_Rk4QzW8nLp2XvT6yHs9JdM3cFb7GqN1aE5uK"
    assert token not in redact_text(f'{{"output": "token:\\n{token}\\n"}}')[0]


@pytest.mark.parametrize("text", SEPARATE_ARGUMENTS[:4])
def test_separate_arguments_in_terminal_logs_and_transcripts(text: str) -> None:
    log = f"\x1b[01;32mroot@4f2a9c8b1e7d\x1b[00m:/app# {text}\r\n"
    assert STRONG not in redact_text(log)[0]
    encoded = json.dumps({"type": "tool_use", "input": {"command": text}})
    assert STRONG not in redact_text(encoded)[0]


NOT_ARGUMENTS = [
    "mysql -u root -p appdb",
    "docker login --password-stdin registry.example.com",
    "ssh -p 2222 deploy@host",
    "psql -h db -p 5432 -U app",
    "tar -p -xf archive.tar",
    "curl --token-file /run/secrets/token https://api.example.com",
    "ssh-add --private-key ~/.ssh/id_ed25519",
    "Pass --token when the environment variable is unset.",
    "Use the --password flag only in scripts.",
    "git config --global credential.helper store",
    "kubectl set image deployment/web web=nginx:1.25",
]


@pytest.mark.parametrize("text", NOT_ARGUMENTS)
def test_near_miss_arguments_are_not_secrets(text: str) -> None:
    assert redact_text(text)[0] == text


@pytest.mark.parametrize(("name", "secret"), [
    ("DB_PASSWORD", True), ("PGPASSWORD", True), ("smtp_pass", True), ("apiKey", True), ("_authToken", True),
    ("AWS_SECRET_ACCESS_KEY", True), ("SECRET_KEY_BASE", True), ("GITHUB_TOKEN_PROD", True), ("client-secret", True),
    ("spring.datasource.password", True), ("connection_string", True),
    ("pass_rate", False), ("expectation_pass_rate", False), ("train_passed", False), ("PASS", False),
    ("GIT_AUTHOR_NAME", False), ("max_tokens", False), ("password_file", False), ("token_count", False),
    ("public_key", False), ("cache_key", False), ("bypass", False), ("PWD", False), ("secretstorage", False),
])
def test_names_are_judged_by_their_words(name: str, secret: bool) -> None:
    assert names_a_secret(name) is secret
