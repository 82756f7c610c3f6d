"""Keymaps: load a preset or a file, layer the user's own on top, and check the result.

A keymap file maps binding ids (tui/services/actions.py) to keys in Textual's key names:

    "interview.next_question" = "ctrl+n,f6"
    [home]
    cursor_down = ["down", "j"]

Layers, later wins: the registry defaults, the chosen preset (`keymaps/<name>.toml` or a path),
then `keymap.toml` in the config folder. Unknown ids, malformed keys, two ids on one key in
one screen and a character or a key a note needs on an action that must work while typing are
`KeymapError`s naming the file and line; keys that tmux takes (ctrl+b), that a text input
swallows on such an action, or that only some terminals send are warnings.

Imports no Textual (a test checks), so `fieldnote keys` and the checker start fast; the key names
below mirror textual/keys.py and a test holds them to it.
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from tui.domain.display_text import visible
from tui.services.actions import (
    ACTIONS,
    COMMAND_PALETTE_KEY,
    IN_FORCE_TOGETHER,
    SCREENS,
    action_spec,
    binding_ids,
)
from tui.services.resources import shipped_folder
from tui.store.storage import NOT_A_FILE, NotAFileError, open_to_read

CONFIG_ENV = "FIELDNOTE_CONFIG"
USER_KEYMAP_NAME = "keymap.toml"
DEFAULT_PRESET = "default"

# Textual sorts modifiers alphabetically when it names a key event (ctrl+shift+up).
MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
NAMED_KEYS = frozenset(
    {
        "escape",
        "enter",
        "return",
        "tab",
        "backspace",
        "delete",
        "insert",
        "home",
        "end",
        "pageup",
        "pagedown",
        "up",
        "down",
        "left",
        "right",
        "space",
    }
    | {f"f{n}" for n in range(1, 25)}
)
# Names a terminal's legacy encoding gives, kept as Textual spells them (ctrl+space is ctrl+@).
LEGACY_KEYS = frozenset({"ctrl+@"})
_EDITING = ("left", "right", "up", "down", "home", "end", "insert", "delete", "pageup", "pagedown")
# Every key with ctrl or shift a terminal's legacy encoding has a name for, as textual/keys.py
# names them (a test holds them to it); alt before a character is apart.
LEGACY_MODIFIED = frozenset(
    {f"ctrl+{c}" for c in "abcdefghijklmnopqrstuvwxyz0123456789@"}
    | {f"ctrl+{name}" for name in ("backslash", "right_square_bracket", "circumflex_accent")}
    | {"ctrl+underscore", "shift+tab", "shift+escape"}
    | {f"ctrl+{name}" for name in _EDITING}
    | {f"ctrl+f{n}" for n in range(1, 25)}
    | {f"shift+{name}" for name in _EDITING}
    | {f"ctrl+shift+{name}" for name in (*"0123456789", *_EDITING)}
)
# Textual's friendlier names for some characters' Unicode names.
_NAME_REPLACEMENTS = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}
# Keys Input and TextArea use for editing: a priority binding on one steals it from the typist.
INPUT_SWALLOWED = frozenset(f"ctrl+{letter}" for letter in "acdekuvwxyz")
TMUX_PREFIX = "ctrl+b"
# Keys a note cannot be typed or edited without, under each name a terminal sends them by
# (ctrl+m is enter, ctrl+h backspace, ctrl+j the Enter typed before the terminal is raw):
# bound with priority, they would never reach the note input.
NOTE_INPUT_NEEDS = {
    "enter": "saves the note being typed",
    "ctrl+m": "is enter, which saves the note being typed",
    "ctrl+j": "is enter as a terminal sends it while fieldnote starts",
    "backspace": "takes back a character typed",
    "ctrl+h": "is backspace, which takes back a character typed",
    "delete": "deletes the character after the cursor",
    "left": "moves the cursor back in the note",
    "right": "moves the cursor on in the note",
    "escape": "cancels the edit of a saved note",
}


def character_key(character: str) -> str:
    """The key name Textual gives a character: `a`, `G`, `5`, `slash`, `question_mark`."""
    if character.isalnum():
        return character
    try:
        name = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return character
    return _NAME_REPLACEMENTS.get(name, name)


CHARACTER_NAMES = frozenset(character_key(chr(code)) for code in range(33, 127))
# Name -> character, for printing keys as typed. A comma separates keys and a + joins a modifier,
# so those two keep their names where a bare character would be misread.
_TYPED = {character_key(chr(code)): chr(code) for code in range(33, 127)}


# Keys a terminal without the kitty keyboard protocol sends as one byte (or Esc and a byte).
_ONE_BYTE = CHARACTER_NAMES | {"enter", "return", "tab", "backspace", "escape", "space"}


def typed_key(key: str) -> str:
    """A normalized key as a person types it: `.` for full_stop, `ctrl+/` for ctrl+slash.
    `normalize_key` reads this form back to the same key."""
    *modifiers, base = key.split("+")
    char = _TYPED.get(base)
    if char is None or char == "," or (char == "+" and modifiers):
        return key
    typed = "+".join([*modifiers, char])
    return typed if normalize_key(typed) == key else key  # ctrl+@ is a legacy name of its own


def typed_keys(keys: str) -> str:
    return ",".join(typed_key(key) for key in keys.split(","))


class KeymapError(Exception):
    """A keymap or config file a user must fix; the message names the file and line.

    One error may carry several mistakes (`problems`, each a KeymapError of its own, one line
    of the message each): a file is checked whole, so one run shows everything to fix.
    """

    def __init__(
        self, path: Path | str, line: int | None, message: str, binding_id: str | None = None
    ) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = message
        self.binding_id = binding_id
        """The id whose keys clash, for a clash (it keeps its default when opening anyway)."""
        self.problems: list[KeymapError] = [self]
        self.where = f"{path}, line {line}" if line else str(path)
        super().__init__(f"{self.where}: {message}")

    @classmethod
    def of(cls, problems: list[KeymapError]) -> KeymapError:
        """One error for all of `problems` (flattened); the first one's file and line lead."""
        flat = [problem for error in problems for problem in error.problems]
        if len(flat) == 1:
            return flat[0]
        first = flat[0]
        error = cls(first.path, first.line, first.reason)
        error.problems = flat
        lines = error.lines
        lines.append(f"{len(flat)} mistakes in all; fix them and run `fieldnote keys` to check.")
        error.args = ("\n".join(lines),)
        return error

    def __str__(self) -> str:
        return str(self.args[0])

    @property
    def lines(self) -> list[str]:
        """Each mistake as a line that names its file and line, as a keymap's `problems`."""
        return [f"{problem.where}: {problem.reason}" for problem in self.problems]

    @property
    def mistaken(self) -> list[Path]:
        """The files the mistakes are in, each once, in the order of their first mistake."""
        return list(dict.fromkeys(problem.path for problem in self.problems))


@dataclass(frozen=True)
class Origin:
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}, line {self.line}"


@dataclass
class Keymap:
    """The effective keys of every binding id, and where each came from."""

    keys: dict[str, str]
    """Every binding id -> its keys, comma separated, normalized (`slash`, not `/`; files may
    use either, and `typed_keys` prints them as typed)."""
    origins: dict[str, Origin] = field(default_factory=dict)
    """Ids set by a file -> the file and line (ids missing here have the registry default)."""
    sources: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Mistakes passed over by a lenient load (their bindings keep the default keys), one
    sentence each with the file and line."""
    own: Path | None = None
    """`keymap.toml` in the config folder, where a user's own keys go (None: a keymap not
    loaded through the config folder, as in tests)."""
    mistaken: list[Path] = field(default_factory=list)
    """The files the `problems` are in, each once, in the order of their first mistake."""

    def overrides(self) -> dict[str, str]:
        """The ids whose keys differ from the registry's: what `App.set_keymap` needs."""
        return {
            binding_id: keys
            for binding_id, keys in self.keys.items()
            if keys != normalize_keys(action_spec(binding_id).keys)
        }


# -- keys ------------------------------------------------------------------------------------


def normalize_key(key: str) -> str:
    """Check one key and return it as Textual names it; raises ValueError with a sentence."""
    key = key.strip()
    if not key:
        raise ValueError('an empty key (a stray comma? the comma key itself is "comma")')
    if len(key) == 1:
        if not key.isprintable() or key.isspace():
            raise ValueError(f"{key!r} is not a key; write space, tab or enter by name")
        return character_key(key)
    if key in LEGACY_KEYS:
        return key
    *modifiers, base = key.split("+")
    if key.endswith("++") or key == "+":  # ctrl++
        raise ValueError(f'"{key}": write + as "plus"')
    for modifier in modifiers:
        if modifier not in MODIFIERS:
            raise ValueError(f'"{key}": "{modifier}" is not a modifier; use {", ".join(MODIFIERS)}')
    if len(set(modifiers)) != len(modifiers):
        raise ValueError(f'"{key}" repeats a modifier')
    if modifiers != sorted(modifiers):
        raise ValueError(
            f'"{key}": write the modifiers in this order: {"+".join(sorted(modifiers))}+{base}'
        )
    if len(base) == 1:
        if modifiers == ["shift"]:
            raise ValueError(f'"{key}": write the character itself ("{base.upper()}")')
        if modifiers and base.isalpha() and base.isupper():
            raise ValueError(f'"{key}": write the letter in lower case with shift+')
        base = character_key(base)
    elif base not in NAMED_KEYS and base not in CHARACTER_NAMES:
        raise ValueError(f'"{key}" is not a key Fieldnote knows; try names like ctrl+n, f6, slash')
    return "+".join([*modifiers, base])


def normalize_keys(keys: str) -> str:
    return ",".join(normalize_key(key) for key in keys.split(","))


def needs_key_protocol(key: str) -> bool:
    """A key only a terminal speaking the kitty keyboard protocol names. Without it (tmux by
    default, most terminals) a character, Enter, Tab, Backspace, Esc or space is one byte, so
    only ctrl with a letter and Esc before it (alt) survive: alt+ctrl+x arrives as ctrl+x,
    ctrl+enter as enter, ctrl+space as ctrl+@, super+n as n. Arrows, function keys and the
    like carry their modifiers in the sequence and arrive whole (alt+f5, shift+up)."""
    *modifiers, base = key.split("+")
    if not modifiers or key in LEGACY_MODIFIED or base not in _ONE_BYTE:
        return False
    if modifiers == ["alt"]:  # Esc before a character
        return base not in CHARACTER_NAMES
    if modifiers == ["alt", "shift"]:  # Esc before a capital letter
        return not (len(base) == 1 and base.isalpha())
    return True


def is_printable_key(key: str) -> bool:
    """A key that types a character into a text input (no modifier but shift)."""
    *modifiers, base = key.split("+")
    if any(modifier != "shift" for modifier in modifiers):
        return False
    return base == "space" or len(base) == 1 or base in CHARACTER_NAMES


# -- files -----------------------------------------------------------------------------------

MAX_KEYMAP_BYTES = 256_000
"""A keymap is a few kilobytes: a larger file is refused unread, as the wrong file."""
MAX_MISTAKES = 50
"""A file's mistakes past this many are not checked (looking up each unknown id's closest
ids is what takes the time) nor listed: the first ones show what is wrong."""

# A key part: a basic string (with escapes such as \" and \u0065), a literal string or bare.
_NAME = r"""(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)"""
_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(rf"^\s*({_NAME}(?:\s*\.\s*{_NAME})*)\s*=")
_PART = re.compile(rf"\s*({_NAME})\s*(?:\.|$)")


def _dotted(text: str) -> list[str]:
    return [_unquoted(part) for part in _PART.findall(text)]


def _unquoted(part: str) -> str:
    """A key part as tomllib reads it: a basic string's escapes decoded, so the line found
    for `"home.r\\u0065fresh"` is the line of home.refresh."""
    if part.startswith('"') and "\\" in part:
        try:
            return tomllib.loads(f"k = {part}")["k"]
        except tomllib.TOMLDecodeError:
            pass
    return part[1:-1] if part[:1] in ("'", '"') else part


def key_lines(text: str) -> dict[str, int]:
    """The line of each key in a TOML file, as a dotted id (tomllib keeps no line numbers)."""
    lines: dict[str, int] = {}
    for number, dotted in _keys_by_line(text):
        lines.setdefault(dotted, number)
    return lines


def _keys_by_line(text: str):
    """(line, dotted key) of each table and key written in a TOML file, in order."""
    table: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if match := _TABLE.match(line):
            table = _dotted(match.group(1))
            yield number, ".".join(table)
        elif match := _KEY.match(line):
            yield number, ".".join([*table, *_dotted(match.group(1))])


def _toml_mistake(
    text: str, error: tomllib.TOMLDecodeError, example: str
) -> tuple[int | None, str]:
    """The line of a TOML syntax error and a sentence for it, with what to do."""
    found = re.search(r"\(at line (\d+), column \d+\)", str(error))
    reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
    line = int(found.group(1)) if found else None
    twice = next((dotted for number, dotted in _keys_by_line(text) if number == line), None)
    if twice is not None and (reason.startswith("Cannot overwrite") or reason.endswith("twice")):
        reason = f"{twice} is set twice; keep one of the two"
    return line, (
        f"not valid TOML: {reason}. Until it is fixed none of this file is used; "
        f"each entry reads like {example}."
    )


def _read_toml(path: Path, example: str = '"home.new" = "n"') -> tuple[dict, dict[str, int]]:
    # A link is followed (a keymap kept with one's dotfiles often is one); a pipe is refused
    # without waiting: read as a file, it would hold every start for a writer of its own.
    try:
        with open(open_to_read(path, follow_links=True), "rb") as file:
            data = file.read(MAX_KEYMAP_BYTES + 1)
            if len(data) > MAX_KEYMAP_BYTES:
                raise KeymapError(
                    path,
                    None,
                    f"it is larger than {MAX_KEYMAP_BYTES // 1000} KB, and every key of "
                    "Fieldnote written out is about 6 KB; is it the right file?",
                )
            text = data.decode("utf-8")
    except FileNotFoundError:
        raise KeymapError(path, None, "no such file") from None
    except NotAFileError:
        raise KeymapError(
            path, None, f"it is no file but {NOT_A_FILE}; put a TOML file there, or remove it."
        ) from None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise KeymapError(
            path,
            line,
            f"it is not UTF-8 text (byte {data[error.start]:#04x}); save it as UTF-8 "
            "(your editor's encoding setting).",
        ) from None
    except OSError as error:
        raise KeymapError(
            path, None, f"cannot read it ({error.strerror}); make it readable, or move it aside."
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise KeymapError(path, *_toml_mistake(text, error, example)) from None
    return data, key_lines(text)


def _flatten(data: dict, prefix: str = "") -> list[tuple[str, object]]:
    entries: list[tuple[str, object]] = []
    for name, value in data.items():
        dotted = f"{prefix}{name}"
        if isinstance(value, dict):
            entries.extend(_flatten(value, dotted + "."))
        else:
            entries.append((dotted, value))
    return entries


def _suggest(binding_id: str) -> str:
    from rapidfuzz import process

    close = process.extract(binding_id, binding_ids(), limit=3, score_cutoff=60)
    if not close:
        return " Run `fieldnote keys` for the list of ids."
    return " Did you mean " + " or ".join(f'"{match}"' for match, _score, _ in close) + "?"


def read_keymap_file(path: Path) -> dict[str, tuple[str, Origin]]:
    """One keymap file's entries: id -> (normalized keys, origin). Raises KeymapError naming
    every mistake in the file."""
    entries, problems, _failed = _read_entries(path)
    if problems:
        raise KeymapError.of(problems)
    return entries


def _read_entries(
    path: Path,
) -> tuple[dict[str, tuple[str, Origin]], list[KeymapError], set[str]]:
    """The valid entries of a keymap file, a KeymapError for each invalid one, and the ids of
    the invalid ones."""
    data, lines = _read_toml(path)
    known = set(binding_ids())
    entries: dict[str, tuple[str, Origin]] = {}
    problems: list[KeymapError] = []
    failed: set[str] = set()
    for binding_id, value in _flatten(data):
        origin = Origin(path, lines.get(binding_id, 1))
        try:
            entries[binding_id] = (_entry_keys(binding_id, value, known), origin)
        except ValueError as error:
            problems.append(KeymapError(path, origin.line, str(error)))
            failed.add(binding_id)
        if len(problems) == MAX_MISTAKES:
            problems.append(
                KeymapError(
                    path,
                    origin.line,
                    f"stopped after {MAX_MISTAKES} mistakes; the lines after this one are not "
                    "used until these are fixed.",
                )
            )
            failed |= {dotted for dotted, _ in _flatten(data)} - set(entries)
            break
    return entries, problems, failed


def _entry_keys(binding_id: str, value: object, known: set[str]) -> str:
    """The normalized keys of one entry; ValueError with the sentence to show otherwise."""
    if binding_id not in known:
        raise ValueError(f'"{binding_id}" is not a binding id.{_suggest(binding_id)}')
    if isinstance(value, str) and value.strip():
        items = value.split(",")
    elif isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        items = value  # one key per item, so a list can hold "," itself
    else:
        raise ValueError(
            f'"{binding_id}" needs keys as a string, like "ctrl+n,f6", or a list of them.'
        )
    try:
        keys = [normalize_key(item) for item in items]
    except ValueError as error:
        raise ValueError(f"{binding_id}: {error}.") from None
    spec = action_spec(binding_id)
    for key in keys if spec.while_typing else ():
        if is_printable_key(key):  # bound with priority, it would never be typed
            raise ValueError(
                f"{binding_id} works while you type, where {typed_key(key)} would no longer "
                f"type itself (no note could hold it); give {binding_id} a key with ctrl, "
                "or a function key."
            )
    if spec.while_typing and spec.screen in ("interview", "app"):
        for key in keys:
            if key in NOTE_INPUT_NEEDS:
                raise ValueError(
                    f"{binding_id} works while a note is typed, where {typed_key(key)} "
                    f"{NOTE_INPUT_NEEDS[key]}; give {binding_id} another key."
                )
    return ",".join(keys)


# -- presets, config and layering ------------------------------------------------------------


def presets_folder() -> Path:
    return shipped_folder("keymaps")


def preset_names() -> list[str]:
    return sorted(path.stem for path in presets_folder().glob("*.toml"))


def resolve_keymap(name_or_path: str) -> Path:
    """A preset name (`vim`) or a path to a keymap file."""
    preset = presets_folder() / f"{name_or_path}.toml"
    if "/" not in name_or_path and not name_or_path.endswith(".toml") and preset.is_file():
        return preset
    path = Path(name_or_path).expanduser()
    if path.exists():  # a pipe or a folder: reading it says what it is
        return path
    raise KeymapError(
        name_or_path,
        None,
        f"no such keymap; use a preset ({', '.join(preset_names())}) or the path of a TOML file.",
    )


def config_path() -> Path:
    """`config.toml` in the config folder: `$FIELDNOTE_CONFIG` (a folder), else the platform's."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser() / "config.toml"
    import platformdirs

    return Path(platformdirs.user_config_dir("fieldnote")) / "config.toml"


def user_keymap_path(config: Path | None = None) -> Path:
    return (config or config_path()).parent / USER_KEYMAP_NAME


def configured_keymap(config: Path | None = None) -> str:
    """The `keymap` named in the config file, else the default preset."""
    config = config or config_path()
    if not config.is_file():
        return DEFAULT_PRESET
    data, lines = _read_toml(config, example='keymap = "vim"')
    value = data.get("keymap", DEFAULT_PRESET)
    if not isinstance(value, str) or not value.strip():
        raise KeymapError(
            config, lines.get("keymap"), 'keymap must be a preset name or a path, like "vim".'
        )
    if "/" in value or value.endswith(".toml"):  # relative to the config file
        return str(config.parent / Path(value).expanduser())
    return value


def configured_name(config: Path | None = None) -> str | None:
    """The `name` in the config file (who you are on notes and codings), else None."""
    config = config or config_path()
    if not config.is_file():
        return None
    data, lines = _read_toml(config, example='keymap = "vim"')
    value = data.get("name")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise KeymapError(config, lines.get("name"), 'name must be your name, like "Ana Lima".')
    return value.strip()


def load_keymap(
    name_or_path: str | None = None, *, config: Path | None = None, lenient: bool = False
) -> Keymap:
    """The effective keymap: registry defaults, the preset or file, the user's keymap.toml.

    `name_or_path` comes from --keymap; without it the config file chooses. `lenient` (opening
    the UI, where a mistake must not stand between a note-taker and an interview): the
    bindings a mistake touches keep their default keys and the mistakes go to `problems`.
    """
    config = config or config_path()
    skipped: list[KeymapError] = []
    try:
        chosen = resolve_keymap(name_or_path or configured_keymap(config))
    except KeymapError as error:
        if not lenient:
            raise
        skipped.append(error)
        chosen = resolve_keymap(DEFAULT_PRESET)
    layers = [chosen]
    user = user_keymap_path(config)
    if user.exists() and user.resolve() != chosen.resolve():
        layers.append(user)
    keymap = layer_keymaps(layers, lenient=lenient)
    keymap.problems[:0] = [f"{error.where}: {error.reason}" for error in skipped]
    keymap.mistaken = list(dict.fromkeys([e.path for e in skipped] + keymap.mistaken))
    keymap.own = user
    return keymap


def mistakes_said(keymap: Keymap | KeymapError) -> str | None:
    """The mistakes of a lenient load (or of a strict one, its error: a reload's) in a few
    words, for a notice that must stay small: how many and in which file (`3 mistakes in
    ~/.config/fieldnote/keymap.toml`; its path made `visible`, shown and not obeyed, on one
    line); None without any. The list itself is the help's and `fieldnote keys`'s."""
    count = len(keymap.problems)
    if not count:
        return None
    files = keymap.mistaken
    where = visible(_short_path(files[0])) if len(files) == 1 else f"{len(files)} files"
    return f"{count} mistake{'' if count == 1 else 's'} in {where}"


SHORT_PATH = 40
"""Characters a path may take in a short line; a longer one is said by its file's name."""


def _short_path(path: Path) -> str:
    """A path as said in a short line: under the home folder as `~/...`, and a long one as
    `…/` and its name (`~/.config/fieldnote/keymap.toml` is 31 characters)."""
    try:
        said = f"~/{path.relative_to(Path.home())}"
    except (ValueError, RuntimeError):  # elsewhere, or no home folder to say it against
        said = str(path)
    return said if len(said) <= SHORT_PATH else f"\u2026/{path.name}"


def sources_text(keymap: Keymap) -> str:
    """Where the keys in force come from, as said to a user: `the vim preset + ~/keymap.toml`."""
    presets = presets_folder().resolve()
    names = [
        f"the {path.stem} preset" if path.resolve().parent == presets else str(path)
        for path in keymap.sources
    ]
    return " + ".join(names) or "the defaults"


def layer_keymaps(paths: list[Path], *, lenient: bool = False) -> Keymap:
    """Layer the files on the registry defaults and check the result. Every mistake of every
    file is gathered into one KeymapError; a clash is not reported for an id whose own entry
    was a mistake (its intended keys are unknown). `lenient`: no error; a mistaken entry is
    passed over, an id set to a clashing key keeps its default, and `problems` says so."""
    keymap = Keymap(_default_keys())
    problems: list[KeymapError] = []
    failed: set[str] = set()
    for path in paths:
        try:
            entries, found, wrong = _read_entries(path)
        except KeymapError as error:  # unreadable or not TOML: nothing of it can be used
            problems.append(error)
            continue
        problems += found
        failed |= wrong
        for binding_id, (keys, origin) in entries.items():
            keymap.keys[binding_id] = keys
            keymap.origins[binding_id] = origin
        keymap.sources.append(path)
    clashes = _clashes(keymap, failed)
    problems += clashes
    if lenient:
        return _defaults_for_mistakes(keymap, clashes, problems, failed)
    _warn(keymap)
    if problems:
        rank = {path: index for index, path in enumerate(paths)}
        problems.sort(key=lambda error: (rank.get(error.path, len(rank)), error.line or 0))
        raise KeymapError.of(problems)
    return keymap


def _default_keys() -> dict[str, str]:
    return {spec.id: normalize_keys(spec.keys) for spec in ACTIONS}


def _defaults_for_mistakes(
    keymap: Keymap, clashes: list[KeymapError], problems: list[KeymapError], failed: set[str]
) -> Keymap:
    """The keymap with each clashing id back on its default keys (all defaults if clashes
    remain), the mistakes kept as sentences."""
    defaults = _default_keys()
    for error in clashes:
        for problem in error.problems:
            if problem.binding_id is not None:
                keymap.keys[problem.binding_id] = defaults[problem.binding_id]
                keymap.origins.pop(problem.binding_id, None)
    if _clashes(keymap, failed):
        keymap.keys, keymap.origins = defaults, {}
    _warn(keymap)
    keymap.problems = [line for error in problems for line in error.lines]
    keymap.mistaken = list(dict.fromkeys(path for error in problems for path in error.mistaken))
    return keymap


# -- checks ----------------------------------------------------------------------------------

_PALETTE = "the command palette"


def screen_of(binding_id: str) -> str:
    return binding_id.split(".", 1)[0]


def _clashes(keymap: Keymap, failed: set[str]) -> list[KeymapError]:
    """A KeymapError for each key bound to two ids in one screen, or in screens in force
    together (ids in `failed` aside), blamed on the id set last, in the order they were set."""
    screens = list(dict.fromkeys([*SCREENS, *(screen_of(i) for i in keymap.keys)]))
    groups = [(screen,) for screen in screens] + list(IN_FORCE_TOGETHER)
    order = {path: index for index, path in enumerate(keymap.sources)}

    def lateness(binding_id: str) -> tuple[int, int]:
        origin = keymap.origins.get(binding_id)
        return (order.get(origin.path, -1), origin.line) if origin else (-2, 0)

    found: dict[str, tuple[tuple[int, int], KeymapError]] = {}
    for group in groups:
        screen = group[0]
        ids = [i for i in keymap.keys if screen_of(i) in (*group, "app")]
        on_key: dict[str, list[str]] = {normalize_key(COMMAND_PALETTE_KEY): [_PALETTE]}
        for binding_id in ids:
            for key in dict.fromkeys(keymap.keys[binding_id].split(",")):
                on_key.setdefault(key, []).append(binding_id)
        for key, bound in on_key.items():
            everywhere = all(i == _PALETTE or screen_of(i) == "app" for i in bound)
            if len(bound) < 2 or failed & set(bound) or (everywhere and group != ("app",)):
                continue  # a clash of app-wide keys is reported once, not for every screen
            if len(group) > 1 and len({screen_of(i) for i in bound} & set(group)) < 2:
                continue  # within one screen (and the app's): reported for that screen
            culprit = max((i for i in bound if i != _PALETTE), key=lateness)
            others = [i for i in bound if i != culprit]
            origin = keymap.origins.get(culprit)
            where = f" on the {SCREENS.get(screen, screen)} screen" if screen != "app" else ""
            message = (
                f'"{typed_key(key)}" is bound to both {culprit} and {" and ".join(others)}'
                f"{where}; give one of them another key."
            )
            found.setdefault(
                message,
                (
                    lateness(culprit),
                    KeymapError(
                        origin.path if origin else "tui/services/actions.py",
                        origin.line if origin else None,
                        message,
                        culprit,
                    ),
                ),
            )
    return [error for _, error in sorted(found.values(), key=lambda item: item[0])]


def _warn(keymap: Keymap) -> None:
    """Collect in `keymap.warnings` the keys that work but will surprise: ctrl+b, and keys the
    note input uses on actions that must work while typing."""
    for binding_id, keys in keymap.keys.items():
        origin = keymap.origins.get(binding_id)
        if origin is None:
            continue
        spec = action_spec(binding_id)
        for key in keys.split(","):
            if key == TMUX_PREFIX:
                keymap.warnings.append(
                    f"{origin}: {binding_id} uses ctrl+b, tmux's prefix key; "
                    "inside tmux it never reaches Fieldnote."
                )
            elif needs_key_protocol(key):
                keymap.warnings.append(
                    f"{origin}: {binding_id} uses {typed_key(key)}, which only terminals with "
                    "the kitty keyboard protocol send; in tmux and most others it arrives as "
                    "another key or not at all, so give it a second key too."
                )
            elif spec.while_typing and key in INPUT_SWALLOWED:
                keymap.warnings.append(
                    f"{origin}: {binding_id} must work while typing a note, but "
                    f"{typed_key(key)} is a key "
                    "the note input uses; it will no longer edit there."
                )


# -- output ----------------------------------------------------------------------------------


def keymap_rows(keymap: Keymap) -> list[tuple[str, str, str, str]]:
    """(screen title, id, keys as typed, description) for every binding, in help-screen order."""
    rows = []
    for screen, title in SCREENS.items():
        for spec in ACTIONS:
            if spec.screen == screen:
                rows.append((title, spec.id, typed_keys(keymap.keys[spec.id]), spec.description))
    for spec in ACTIONS:  # ids of a screen not (yet) listed in SCREENS
        if spec.screen not in SCREENS:
            rows.append((spec.screen, spec.id, typed_keys(keymap.keys[spec.id]), spec.description))
    return rows


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def keymap_toml(keymap: Keymap) -> str:
    """The keymap as a file `--keymap` reads back: a starting point for one's own."""
    out = ["# Fieldnote keymap: binding id = keys (comma separated, as typed or by name)."]
    screen = None
    for title, binding_id, keys, description in keymap_rows(keymap):
        if title != screen:
            screen = title
            out.append(f"\n# {title}")
        out.append(f'"{binding_id}" = {_toml_string(keys)}  # {description}')
    return "\n".join(out) + "\n"
