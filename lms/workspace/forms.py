"""Workspace forms: format checks only; the rules live in the workspace's service modules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from lms.accounts.forms import email_field, name_field
from lms.plans.forms import no_nul, one_line
from lms.workspace.documents import ACCEPT


def _file_field(label: str = "File") -> FileField:
    return FileField(label, validators=[FileRequired("Choose a file.")], render_kw={"accept": ACCEPT},
                     description="PDF, Word, Excel, PowerPoint, OpenDocument or an image (PNG, JPEG, GIF, WebP); 20 MB at most.")


class UploadForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the document a title."), Length(max=200), one_line])
    file = _file_field()


class VersionForm(FlaskForm):
    file = _file_field("New version")


class TierChoices(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ResourceForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the resource a title."), Length(max=200), one_line])
    file = _file_field()
    tiers = TierChoices("Publish to", coerce=int, description="Tick none to publish to every partner.")


class PostForm(FlaskForm):
    body = TextAreaField("Message", validators=[DataRequired("Write something first."), Length(max=5000), no_nul],
                         description="Plain text; links starting with http:// or https:// become clickable.")


class AgendaForm(FlaskForm):
    text = StringField("Add to the agenda", validators=[DataRequired("Write the item."), Length(max=300), one_line])


class InviteForm(FlaskForm):
    name = name_field("Their full name")
    email = email_field("Their work email")
