from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class WindowForm(FlaskForm):
    starts_at = DateTimeLocalField("Starts", format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(message="Pick when it starts.")])
    ends_at = DateTimeLocalField("Ends", format="%Y-%m-%dT%H:%M",
                                 validators=[DataRequired(message="Pick when it ends.")])
    message = TextAreaField("Message to everyone (optional)",
                            validators=[Optional(), Length(max=1000, message="Keep it under 1,000 characters.")])
