from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from plexportal.settings.registry import EMAIL_RE

# wtforms' Email() needs the email_validator package; the settings' own rule is enough here.
_email = Regexp(EMAIL_RE, message="Enter a valid email address.")


# WTForms' own catalogues would say it impersonally ("Feld kann nicht länger als 150 Zeichen sein.").
_too_long = _l("Field cannot be longer than %(max)d characters.")


class LoginForm(FlaskForm):
    # The sign-in page is public: it speaks the browser's language.
    username = StringField(_l("User name"), validators=[DataRequired(message=_l("Enter your user name.")),
                                                        Length(max=150, message=_too_long)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")),
                                                         Length(max=256, message=_too_long)])


class AdminForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(message="Choose a user name."), Length(max=150)])
    email = EmailField("Email (for alerts)", validators=[Optional(), Length(max=254), _email])
    password = PasswordField("Password", validators=[DataRequired(message="Choose a password."),
                                                     Length(min=8, max=256, message="Use 8 to 256 characters.")])
    confirm = PasswordField("Password again", validators=[EqualTo("password", message="The passwords differ.")])


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(message="Enter your current password.")])
    password = PasswordField("New password", validators=[DataRequired(message="Choose a new password."),
                                                         Length(min=8, max=256, message="Use 8 to 256 characters.")])
    confirm = PasswordField("New password again", validators=[EqualTo("password", message="The passwords differ.")])
