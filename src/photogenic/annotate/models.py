"""The annotation store's tables (SQLAlchemy ORM; the same schema on SQLite and PostgreSQL).

A project holds items; each item has one *slot* per rater it needs. An annotator claims a free slot
(never two slots of one item: ``uq_slot_item_annotator``), answers it with a *label*, and may undo
it. Labels are never deleted: an undo marks one inactive, and at most one label per slot is active
(``uq_label_active_slot``). Every submission carries a client-generated id (``uq_label_submission``)
so a retried request cannot store a second row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the annotation tables."""


class Project(Base):
    """A triage, rubric or pairwise project."""

    __tablename__ = "annotate_projects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    raters: Mapped[int] = mapped_column(Integer, default=1)
    raters_appeal: Mapped[int] = mapped_column(Integer, default=5)
    raters_faithfulness: Mapped[int] = mapped_column(Integer, default=3)
    created_at: Mapped[float] = mapped_column(Float)


class Annotator(Base):
    """A person with a secret token (stored as its SHA-256 only)."""

    __tablename__ = "annotate_annotators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)


class Membership(Base):
    """An annotator's access to one project."""

    __tablename__ = "annotate_memberships"
    project_id: Mapped[int] = mapped_column(ForeignKey("annotate_projects.id"), primary_key=True)
    annotator_id: Mapped[int] = mapped_column(
        ForeignKey("annotate_annotators.id"), primary_key=True
    )


class WebSession(Base):
    """A logged-in browser: the cookie's SHA-256, its annotator and its CSRF token."""

    __tablename__ = "annotate_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotate_annotators.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float] = mapped_column(Float)


class Image(Base):
    """An image file registered in a project: the only files the server will send."""

    __tablename__ = "annotate_images"
    __table_args__ = (UniqueConstraint("project_id", "path", name="uq_image_project_path"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("annotate_projects.id"), index=True)
    path: Mapped[str] = mapped_column(Text)


class Item(Base):
    """One image (triage, rubric) or one pair on one axis (pairwise); ``error`` items get no slots."""

    __tablename__ = "annotate_items"
    __table_args__ = (UniqueConstraint("project_id", "key", name="uq_item_project_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("annotate_projects.id"), index=True)
    key: Mapped[str] = mapped_column(String(400))
    position: Mapped[int] = mapped_column(Integer)
    axis: Mapped[str | None] = mapped_column(String(20), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("annotate_images.id"), nullable=True)
    image_b_id: Mapped[int | None] = mapped_column(ForeignKey("annotate_images.id"), nullable=True)
    error: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class Slot(Base):
    """One rater's place on an item: free, claimed by an annotator, or done."""

    __tablename__ = "annotate_slots"
    __table_args__ = (
        UniqueConstraint("item_id", "annotator_id", name="uq_slot_item_annotator"),
        # an annotator's pending claims; free slots (annotator NULL) in item order
        Index("ix_slot_pending", "project_id", "annotator_id", "done", "claimed_at"),
        Index("ix_slot_free", "project_id", "annotator_id", "position"),
        # stale claims and the count of slots left
        Index("ix_slot_open", "project_id", "done", "claimed_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("annotate_projects.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("annotate_items.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    annotator_id: Mapped[int | None] = mapped_column(
        ForeignKey("annotate_annotators.id"), nullable=True
    )
    claimed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    left_side: Mapped[str | None] = mapped_column(String(1), nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class Label(Base):
    """One submitted answer; ``active`` is false once undone (kept for the record)."""

    __tablename__ = "annotate_labels"
    __table_args__ = (
        UniqueConstraint("submission_id", name="uq_label_submission"),
        # at most one active label per slot (undone labels stay, inactive)
        Index(
            "uq_label_active_slot",
            "slot_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("annotate_projects.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("annotate_items.id"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("annotate_slots.id"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotate_annotators.id"), index=True)
    submission_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    undone_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    decision: Mapped[str | None] = mapped_column(String(10), nullable=True)
    answer: Mapped[str | None] = mapped_column(String(10), nullable=True)
    choice: Mapped[str | None] = mapped_column(String(10), nullable=True)
    left_side: Mapped[str | None] = mapped_column(String(1), nullable=True)
    scores: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    caption: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    elapsed_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
