"""CSV exports where managers expect a spreadsheet: partners and learning progress (leads and survey answers
export from their own pages); all through lms/csvexport.py."""

from flask import Blueprint

bp = Blueprint("exports", __name__)

from lms.exports import views  # noqa: E402,F401
