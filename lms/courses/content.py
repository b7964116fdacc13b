"""Course content into the database: `flask courses sync` (our courses/ folder) and `flask courses import`.

Reading the source and rendering it happens before anything is written, so a broken lesson changes
nothing. Syncing the same source twice changes nothing the second time.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import audit
from lms.courses.render import ContentError, LessonRenderer, RenderedLesson, split_front_matter
from lms.courses.service import issue_certificate_if_complete
from lms.db import utcnow
from lms.models import Certificate, Course, CourseAsset, KnowledgeCheck, Lesson, LessonCompletion, LessonVersion, User

log = logging.getLogger(__name__)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
RESERVED_COURSE_SLUGS = {"admin"}
RESERVED_LESSON_SLUGS = {"media"}
ASSET_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".svg": "image/svg+xml", ".webp": "image/webp",
}
MAX_ASSET_BYTES = 5 * 1024 * 1024
WORDS_PER_MINUTE = 200


@dataclass
class LessonSource:
    slug: str
    title: str
    minutes: int
    text: str  # the whole file: its hash is the lesson's content hash
    rendered: RenderedLesson
    pass_mark: int = 100  # percent of the knowledge-check questions to get right (front matter `pass_mark`)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass
class CourseSource:
    slug: str
    title: str
    summary: str
    estimated_minutes: int
    version: str
    status: str
    source: str
    attribution: str | None
    lessons: list[LessonSource]
    assets: dict[str, Path]  # path used in the lessons -> file


@dataclass
class SyncResult:
    slug: str
    created: bool = False
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rerendered: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.created:
            return f"{self.slug}: created with {len(self.added)} lessons"
        parts = [
            f"{len(v)} {k}" for k, v in (
                ("added", self.added), ("changed", self.changed), ("removed", self.removed), ("re-rendered", self.rerendered),
            ) if v
        ]
        return f"{self.slug}: " + (", ".join(parts) if parts else "unchanged")


# -- reading sources ------------------------------------------------------------------------------

def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ContentError(f"{path}: cannot be read as YAML ({error})") from None
    if not isinstance(data, dict):
        raise ContentError(f"{path}: expected keys such as title and lessons")
    return data


def _slug(value: str, where: str, reserved: set[str]) -> str:
    slug = value.lower()
    if not SLUG_RE.match(slug) or slug in reserved:
        raise ContentError(f"{where}: {value!r} cannot be used as a name in URLs (use a-z, 0-9 and dashes)")
    return slug


def _minutes(value: Any, where: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ContentError(f"{where}: minutes must be a whole number")
    return value


def _pass_mark(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise ContentError(f"{where}: pass_mark must be a whole percentage from 1 to 100")
    return value


def _lesson_sources(folder: Path, files: list[Any], where: str, minutes_of) -> tuple[list[LessonSource], dict[str, Path]]:
    if not files:
        raise ContentError(f"{where}: no lessons are listed")
    names = [str(name) for name in files]
    slugs = {}
    for name in names:
        slugs[posixpath.basename(name)] = _slug(Path(name).stem, f"{where}: lesson {name}", RESERVED_LESSON_SLUGS)
    if len(set(slugs.values())) != len(names):
        raise ContentError(f"{where}: two lessons have the same name")

    def lesson_href(name: str) -> str | None:
        return slugs.get(name)

    lessons, assets = [], {}
    for name in names:
        path = folder / name
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ContentError(f"{where}: lesson {name} cannot be read ({error})") from None
        meta, body = split_front_matter(text, str(path))
        title = str(meta.get("title") or "").strip()
        if not title:
            raise ContentError(f"{path}: the front matter needs a title")
        rendered = LessonRenderer(str(path), lesson_href).render(body)
        minutes = minutes_of(meta, str(path))
        if minutes is None:
            minutes = max(1, round(len(rendered.words) / WORDS_PER_MINUTE))
        lessons.append(LessonSource(slugs[posixpath.basename(name)], title[:200], minutes, text, rendered,
                                    _pass_mark(meta.get("pass_mark", 100), str(path))))
        for asset in rendered.assets:
            assets[asset] = path.parent / asset
    return lessons, assets


def read_course_folder(folder: Path) -> CourseSource:
    """One of our courses: courses/<slug>/course.yaml and its lesson files (see courses/README.md)."""
    where = str(folder / "course.yaml")
    data = _read_yaml(folder / "course.yaml")
    title = str(data.get("title") or "").strip()
    if not title:
        raise ContentError(f"{where}: `title` is missing")
    status = data.get("status", "published")
    if status not in ("draft", "published"):
        raise ContentError(f"{where}: `status` is draft or published")

    def minutes_of(meta: dict, lesson_where: str) -> int | None:
        return _minutes(meta.get("minutes"), lesson_where)

    lessons, assets = _lesson_sources(folder, data.get("lessons") or [], where, minutes_of)
    estimated = _minutes(data.get("estimated_minutes"), where)
    return CourseSource(
        slug=_slug(folder.name, where, RESERVED_COURSE_SLUGS), title=title[:200],
        summary=str(data.get("summary") or "").strip(),
        estimated_minutes=estimated if estimated is not None else sum(lesson.minutes for lesson in lessons),
        version=str(data.get("version") or "1")[:40], status=status, source="portal",
        attribution=(str(data["attribution"]).strip() if data.get("attribution") else None),
        lessons=lessons, assets=assets,
    )


CARPENTRIES = {
    "swc": "Software Carpentry", "dc": "Data Carpentry", "lc": "Library Carpentry", "cp": "The Carpentries",
    "incubator": "The Carpentries Incubator",
}


def read_carpentries_lesson(folder: Path, *, status: str = "draft") -> CourseSource:
    """A Carpentries Workbench lesson: config.yaml (title, episodes) and episodes/*.md."""
    where = str(folder / "config.yaml")
    config = _read_yaml(folder / "config.yaml")
    title = str(config.get("title") or "").strip()
    if not title:
        raise ContentError(f"{where}: `title` is missing")
    episodes = config.get("episodes") or sorted(p.name for p in (folder / "episodes").glob("*.md"))

    def minutes_of(meta: dict, lesson_where: str) -> int | None:
        teaching = _minutes(meta.get("teaching"), lesson_where) or 0
        exercises = _minutes(meta.get("exercises"), lesson_where) or 0
        return (teaching + exercises) or None

    lessons, assets = _lesson_sources(folder / "episodes", episodes, where, minutes_of)
    who = CARPENTRIES.get(str(config.get("carpentry") or ""), "The Carpentries")
    licence = str(config.get("license") or "see the lesson's licence").strip()
    source_url = str(config.get("source") or "").strip()
    attribution = f"“{title}” by {who}, licensed {licence}." + (f" Source: {source_url}" if source_url else "")
    return CourseSource(
        slug=_slug(folder.resolve().name, where, RESERVED_COURSE_SLUGS), title=title[:200],
        summary=f"A lesson by {who}, imported as it is published: {len(lessons)} episodes with exercises.",
        estimated_minutes=sum(lesson.minutes for lesson in lessons),
        version=str(config.get("created") or "1")[:40], status=status, source="carpentries",
        attribution=attribution, lessons=lessons, assets=assets,
    )


# -- writing to the database ----------------------------------------------------------------------

def describe_changes(old_headings: list, new_headings: list, old_words: list[str], new_words: list[str]) -> dict:
    """What a reader notices: sections added or removed, and how many words changed."""
    old_titles = [h[2] for h in old_headings]
    new_titles = [h[2] for h in new_headings]
    matcher = difflib.SequenceMatcher(None, old_words, new_words)
    added = removed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    return {
        "added": [t for t in new_titles if t not in old_titles],
        "removed": [t for t in old_titles if t not in new_titles],
        "words_added": added,
        "words_removed": removed,
    }


def _apply_checks(db: Session, lesson: Lesson, rendered: RenderedLesson, where: str) -> None:
    keys = [spec.key for spec in rendered.checks]
    if len(set(keys)) != len(keys):
        raise ContentError(f"{where}: two checks have the same id")
    existing = {check.key: check for check in lesson.checks}
    for position, spec in enumerate(rendered.checks, start=1):
        check = existing.pop(spec.key, None)
        if check is None:
            check = KnowledgeCheck(key=spec.key)
            lesson.checks.append(check)
        check.position = position
        check.kind = spec.kind
        check.prompt_html = spec.prompt_html
        check.choices = spec.choices
        check.answer = spec.answer
        check.explanation_html = spec.explanation_html
    for check in existing.values():
        lesson.checks.remove(check)  # its answers go with it (ON DELETE CASCADE)


def _load_asset(path: Path, name: str, warnings: list[str]) -> tuple[bytes, str] | None:
    content_type = ASSET_TYPES.get(path.suffix.lower())
    if content_type is None:
        warnings.append(f"{name}: not an image type we serve ({', '.join(sorted(ASSET_TYPES))})")
        return None
    try:
        data = path.read_bytes()
    except OSError:
        warnings.append(f"{name}: the file is missing; readers see its alt text")
        return None
    if len(data) > MAX_ASSET_BYTES:
        warnings.append(f"{name}: larger than {MAX_ASSET_BYTES // 1024 // 1024} MB, left out")
        return None
    return data, content_type


def sync_course(db: Session, source: CourseSource, actor: User | None = None) -> SyncResult:
    """Create or update one course from its source (flush only)."""
    result = SyncResult(source.slug)
    course = db.scalar(select(Course).where(Course.slug == source.slug).with_for_update())
    if course is None:
        course = Course(slug=source.slug, status=source.status)
        db.add(course)
        result.created = True
    course.title = source.title
    course.summary = source.summary
    course.estimated_minutes = source.estimated_minutes
    course.version = source.version
    course.source = source.source
    course.attribution = source.attribution
    db.flush()

    existing = {lesson.slug: lesson for lesson in course.lessons}
    now = utcnow()
    for position, item in enumerate(source.lessons, start=1):
        lesson = existing.pop(item.slug, None)
        where = f"{source.slug}/{item.slug}"
        if lesson is None:
            lesson = Lesson(slug=item.slug, content_hash="", headings=[], body_html="")
            course.lessons.append(lesson)
            result.added.append(item.slug)
        lesson.position = position
        lesson.title = item.title
        lesson.estimated_minutes = item.minutes
        lesson.pass_mark = item.pass_mark
        if lesson.content_hash != item.content_hash:
            changes = None
            if lesson.id is not None:
                previous = db.scalar(
                    select(LessonVersion).where(LessonVersion.lesson_id == lesson.id)
                    .order_by(LessonVersion.id.desc()).limit(1)
                )
                changes = describe_changes(
                    lesson.headings, item.rendered.headings, previous.words if previous else [], item.rendered.words
                )
                result.changed.append(item.slug)
            lesson.body_html = item.rendered.html
            lesson.headings = item.rendered.headings
            lesson.content_hash = item.content_hash
            lesson.updated_at = now
            _apply_checks(db, lesson, item.rendered, where)
            db.flush()
            db.add(LessonVersion(
                lesson_id=lesson.id, content_hash=item.content_hash, created_at=now, changes=changes,
                words=item.rendered.words,
            ))
        elif lesson.body_html != item.rendered.html or lesson.headings != item.rendered.headings:
            # Same source, better rendering (a newer portal): refresh quietly; learners see no "update".
            lesson.body_html = item.rendered.html
            lesson.headings = item.rendered.headings
            _apply_checks(db, lesson, item.rendered, where)
            result.rerendered.append(item.slug)
    for lesson in existing.values():
        course.lessons.remove(lesson)
        result.removed.append(lesson.slug)

    stored = {asset.path: asset for asset in db.scalars(select(CourseAsset).where(CourseAsset.course_id == course.id))}
    for name, path in sorted(source.assets.items()):
        loaded = _load_asset(path, f"{source.slug}: {name}", result.warnings)
        if loaded is None:
            continue
        data, content_type = loaded
        digest = hashlib.sha256(data).hexdigest()
        asset = stored.pop(name, None)
        if asset is None:
            db.add(CourseAsset(course_id=course.id, path=name, content_type=content_type, sha256=digest, data=data))
        elif asset.sha256 != digest:
            asset.sha256, asset.data, asset.content_type = digest, data, content_type
    for asset in stored.values():
        db.delete(asset)

    course.content_hash = hashlib.sha256("".join(item.content_hash for item in source.lessons).encode()).hexdigest()
    if result.created or result.added or result.changed or result.removed:
        course.synced_at = now
        audit.record(db, actor, "course.synced", course, f"Course content loaded: {result.describe()}")
    db.flush()
    if result.removed:
        _issue_certificates_now_earned(db, course)
    for warning in result.warnings:
        log.warning("course %s: %s", source.slug, warning)
    return result


def _issue_certificates_now_earned(db: Session, course: Course) -> None:
    """A removed lesson can leave someone with every remaining lesson done: they have earned the certificate."""
    learners = db.scalars(
        select(User).where(
            User.id.in_(select(LessonCompletion.user_id).join(Lesson).where(Lesson.course_id == course.id)),
            User.id.not_in(select(Certificate.user_id).where(Certificate.course_id == course.id)),
        ).order_by(User.id)
    )
    for user in learners:
        issue_certificate_if_complete(db, user, course)


def sync_folder(db: Session, root: Path, actor: User | None = None) -> list[SyncResult]:
    """Every course under `root` (a folder per course with a course.yaml); all are read before any is written."""
    if not root.is_dir():
        raise ContentError(f"{root}: no such folder")
    sources = [read_course_folder(folder) for folder in sorted(root.iterdir()) if (folder / "course.yaml").is_file()]
    return [sync_course(db, source, actor) for source in sources]


def import_lesson(db: Session, folder: Path, *, publish: bool = False, actor: User | None = None) -> SyncResult:
    """A lesson written elsewhere (Carpentries Workbench format); a new course starts as a draft."""
    if not (folder / "config.yaml").is_file():
        raise ContentError(f"{folder}: no config.yaml (is this a Carpentries Workbench lesson?)")
    source = read_carpentries_lesson(folder, status="published" if publish else "draft")
    return sync_course(db, source, actor)
