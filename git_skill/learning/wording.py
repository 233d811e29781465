"""How a learned skill names its task: an action a person would write, the task's stated
requirements, and triggers made of the task's distinctive terms.

A description is read by an agent choosing among skills, so it must say what the skill is for
("Train a fastText model …", "Diagnose and fix: Language.__hash__ is broken") and when to load
it (names, file names, tools and error signatures the next task will share). Prose words
("changes", "project", "process") match every task and none: they are never triggers.
"""

from __future__ import annotations

import re

from git_skill.learning.generalize import generalize

_LEAD_IN = re.compile(
    r"^(?:(?:please|kindly|now|so|ok(?:ay)?|hi|hello|hey)[,!.\s]+)*"
    r"(?:(?:can|could|would|will) you(?: please)?(?: help me)?|i(?:'d| would) like (?:you )?to|i (?:need|want) (?:you )?to|"
    r"you(?:'re| are) (?:asked |required )?to|you (?:need|have|must|should) to|your (?:task|job|goal|mission) is to|"
    r"we (?:need|want) to|help me(?: to)?|i need help (?:to|with)|the goal is to|task:)\s+", re.I)
_VERBS = frozenset("""add adjust analyze analyse apply build bump calculate change check clean compile compute configure
convert count create debug decode delete deploy design detect diagnose download edit enable encrypt extract figure find
finish fit fix format generate get identify implement improve install integrate list load make merge migrate modify move
optimize organize parse patch port prepare print process produce profile read rebuild recover refactor reconstruct reduce
remove rename render repair replace reproduce resolve restore retrieve rewrite run save scan secure serve set setup
simulate solve sort split start stop summarize tell test train transform translate tune update upgrade use validate verify
write""".split())
_PROBLEM = re.compile(r"(?i)\b(?:broken|fails?|failing|failed|error|errors|crash(?:es|ed)?|won't|doesn't|does not|can't|"
                      r"cannot|not working|wrong|missing|bug|raises?|exception|incorrect|stuck|lost|hangs?|ignores?|slow|leaks?)\b")
_PRONOUN = re.compile(r"(?i)\b(?:them|it|those|these|this)\b")
_WANTED = re.compile(r"(?i)^(?:i|we|you|my \w+|our \w+|your \w+|the \w+) (?:really )?(?:needs?|wants?) (an? |the |some )(.+)")
_SENTENCE = re.compile(r"(?<=[.!?])(?<!e\.g\.)(?<!i\.e\.)(?<!etc\.)(?<!\bvs\.)\s+|\n+")  # not after "e.g."


_GREETING = re.compile(r"^\s*(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|thanks|thank you)\b[^.!?\n]{0,30}[.!?,]*\s*",
                       re.I)


def without_greeting(task: str) -> str:
    """"Hello Claude! Can you …" -> "Can you …": a greeting names no task."""
    rest = _GREETING.sub("", task, count=1)
    return rest if rest.strip() else task


def sentences(task: str, limit: int = 3000) -> list[str]:
    """The task's sentences (and lines), code blocks left out: their comments are not requirements."""
    flat = re.sub(r"[ \t]+", " ", re.sub(r"```.*?(?:```|$)", " ", task[:limit], flags=re.S))
    return [s.strip(" -*#>:") for s in _SENTENCE.split(flat) if len(s.strip(" -*#>:")) > 3]


def _imperative(sentence: str) -> str | None:
    text = sentence
    for _ in range(3):
        text = _LEAD_IN.sub("", text).strip()
    first = re.match(r"[A-Za-z]+", text)
    if not first or first.group(0).lower() not in _VERBS:
        return None
    return text[:1].upper() + text[1:]


def _wanted(sentence: str) -> str | None:
    """"Your company needs a self-signed TLS certificate" -> "Set up a self-signed TLS certificate"."""
    match = _WANTED.match(sentence)
    return f"Set up {match.group(1)}{match.group(2)}" if match else None


def _clip(text: str, limit: int) -> str:
    text = text.rstrip(" .!?:,;")
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def action(task: str, fallback: str) -> str:
    """What the task asks, as a person would write it: the first imperative of its opening sentences,
    else its problem ("Diagnose and fix: …"), else its opening as a noun phrase."""
    opening = [clause for sentence in sentences(generalize(without_greeting(task)))[:4]
               for clause in re.split(r";\s+", sentence)][:5]
    for position, sentence in enumerate(opening):
        found = _imperative(sentence) or _wanted(sentence)
        if found and not (position and _PROBLEM.search(opening[0])):  # a problem stated first says more
            return _clip(found, 200)
    if opening and _PROBLEM.search(opening[0]):
        problem = re.sub(r"^(The|A|An|My|Our|This)\b", lambda m: m.group(1).lower(), opening[0])
        return "Diagnose and fix: " + _clip(problem, 180)
    if opening:
        return f"{fallback}: " + _clip(opening[0], 180)
    return fallback


_LINK = re.compile(r"\[([^\]\n]+)\]\((?:https?://|/)[^)\s]*\)")


def opening(task: str, limit: int = 600) -> str:
    """The task's opening as "When to use" quotes it: a title line (an issue's) and the first sentence
    after it, markdown links as their text."""
    text = _LINK.sub(r"\1", generalize(without_greeting(task))).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    first = lines[0]
    if len(lines) > 1 and len(first) <= 120 and not re.search(r"[.!?:]$", first):  # an issue's title
        rest = sentences("\n".join(lines[1:]))
        return _clip(f"{first.rstrip('.')}. {rest[0]}" if rest else first, limit) + "."
    return _clip(sentences(text)[0] if sentences(text) else first, limit) + (
        "?" if sentences(text) and sentences(text)[0].endswith("?") else ".")


_REQUIREMENT = re.compile(
    r"(?i)\b(?:must|should|needs? to|has to|have to|required?|at least|at most|no more than|less than|more than|"
    r"fewer than|greater than|under|below|above|within|exactly|only|never|do not|don't|not (?:read|use|modify|change)|"
    r"format|sav(?:e|ed)\b[^.]{0,40}\b(?:as|to|in)|named|called|output|write \S+ to|to (?:the )?file)\b|"
    r"\b(?:write|save|store|print|put)\b[^.]{0,100}?[\w-]+\.[a-z]{2,5}\b|\d+(?:\.\d+)?\s*(?:%|mb|gb|kb|ms|s\b|seconds|minutes)")


_LIST_AFTER = re.compile(r"(?m)^(?P<lead>[^\n]*(?::|\bfollowing \w+))[ \t]*\n(?P<items>(?:[ \t]*(?:[-*+]|\d+[.)])[ \t]+[^\n]+\n?)+)")


def _inline_lists(text: str) -> str:
    """"must include the following pages:" and the list under it, as one sentence."""
    def join(match: re.Match[str]) -> str:
        items = [re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+|\*\*", "", line).strip() for line in match.group("items").splitlines()]
        return f"{match.group('lead').rstrip(':')}: {', '.join(item.rstrip('.') for item in items if item)}.\n"
    return _LIST_AFTER.sub(join, text)


def requirements(task: str, limit: int = 6) -> list[str]:
    """The task's stated requirements (limits, thresholds, formats, the deliverable's path), in its own words."""
    found: list[str] = []
    for sentence in sentences(_inline_lists(generalize(task)))[1:]:
        if _REQUIREMENT.search(sentence) and not sentence.endswith("?") and len(sentence) >= 12:
            clipped = _clip(sentence, 220)
            if clipped not in found:
                found.append(clipped)
        if len(found) >= limit:
            break
    return found


# Words of ordinary prose: never distinctive enough to say when a skill applies.
COMMON = frozenset("""a about above across act action actually add added after again against all almost also always am
among an and another any anything are around as ask asked at available away back based be because been before being below
best better between both bug build built but by call called can cannot case change changed changes check checked
clean code come command commands complete completely contain containing content context correct could create created
current currently data default define defined described design did different directory do does doing done down during
each easy either else end ensure entire environment error errors even every everything example existing expect expected
fail failed file files final find fine first fix fixed folder following for found from full function functions get gets
given go going good got had has have having help here high how however i if implement important in include included
including information input inside instead into is issue it its itself just keep know large last least less let like
line lines list little local long look looks low made main make makes making many may me might more most move much must
my name named need needed needs new next no not note nothing now number of off old on once one only open or order other
our out output over own page pages part pass passed path people personal place please point possible present problem
problems process processing program project proper properly provide provided put read ready real really request required
requirements result results right run running same save saved say script second see seems set setting should show
simple simply since single so some something specific start state still such sure system take task tasks test tested
tests than that the their them then there these they thing things this those through time to too tool tools try trying
two type under until up update updated use used user uses using value values very via want was way we well were what
when where whether which while who why will with within without work working works would write written wrong yet you your
yours already whole sometimes figure private public site
ignores returns contains produces fails breaks crashes shows throws gives takes keeps makes runs needs wants
looks seems appears happens stays becomes goes comes prints reads writes
accuracy model models dataset datasets size train training website server client program programs
method methods class object objects feature features service application app version config configuration image
images table column row rows number numbers string strings text word words token tokens domain answer final
repository repo branch commits""".split())
_TECHNICAL = re.compile(
    r"`([^`\n]{2,50})`"  # quoted names
    r"|(?<![\w/])((?:[\w-]+/)*[\w-]+\.(?:[a-z][a-z0-9]{0,4}))(?![\w/])"  # file names and paths with an extension
    r"|\b([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+(?:\(\))?)"  # dotted names: Language.__hash__, os.path
    r"|\b([A-Za-z][\w.-]*\d[\w.-]*|[A-Za-z]+[_][\w]+|[a-z]+[A-Z]\w*|[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}[a-z]+\w*)\b"  # digits, snake, camel
    r"|\b([A-Z]{2,9}s?)\b"  # acronyms: JSON, CSV, TLS
)
_NOT_TERMS = frozenset({"e.g", "i.e", "etc", "ok", "vs", "I", "A"})


def distinctive_terms(task: str, limit: int = 6) -> list[str]:
    """The task's own distinctive terms: quoted names, file names, identifiers, acronyms; then its
    uncommon words (never ordinary prose)."""
    text = re.sub(r"https?://\S+|\bL\d+(?:-L\d+)?\b", " ", generalize(task[:4000]))
    terms: list[str] = []
    lowered: set[str] = set()

    def add(term: str) -> None:
        term = term.strip(".,:;()[]'\"")
        if len(term) < 2 or len(term.split()) > 2 or term.lower() in lowered or term in _NOT_TERMS or term.lower() in COMMON or "<" in term:
            return
        if re.fullmatch(r"[\d.]+", term) or re.fullmatch(r"\d+[a-z]{0,2}", term.lower()):
            return  # numbers are requirements, not triggers
        terms.append(term)
        lowered.add(term.lower())

    for match in _TECHNICAL.finditer(text):
        add(next(group for group in match.groups() if group))
    if len(terms) < 3:
        for word in re.findall(r"\b[a-zA-Z][a-z]{5,}\b", text):
            if word.lower() not in COMMON and not word.lower().endswith(("ing", "tion", "ly", "ed")):
                add(word.lower())
            if len(terms) >= limit:
                break
    return terms[:limit]


def join_terms(terms: list[str]) -> str:
    return terms[0] if len(terms) == 1 else ", ".join(terms[:-1]) + " or " + terms[-1]
