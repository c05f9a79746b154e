"""Which passwords staff accounts may have: at least 8 characters, not containing the username, and
not guessable — judged by zxcvbn's estimator (Dropbox's model, maintained on PyPI as `zxcvbn`), which
knows the common-password lists, English words and names, keyboard runs, repeats, sequences and dates,
and also tries the username and display name. A hand-written block list would miss most of that.

    problem = password_problem(password, username, display_name)   # None, or a Chinese sentence
"""
from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 8
# zxcvbn's score 3: about 10^8 guesses or more ("safely unguessable" against online guessing, and
# slow against offline guessing of an argon2id hash). 0–2 are common, patterned or short passwords.
MIN_SCORE = 3
# zxcvbn refuses longer input (its matching is slow on long strings); a password that long is judged
# by its first 72 characters, which is still a fair lower bound on its strength.
ESTIMATE_CHARS = 72


def password_problem(password: str, username: str, display_name: str | None = None) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 个字符"
    lowered = password.casefold()
    if username and username.casefold() in lowered:
        return "密码不能包含用户名"
    context = [username] + ([display_name] if display_name else []) + ["审批导航", "navigator", "admin"]
    result = zxcvbn(password[:ESTIMATE_CHARS], user_inputs=context)
    if result["score"] >= MIN_SCORE:
        return None
    warning = result["feedback"].get("warning") or ""
    if "common" in warning.lower():
        return "这是常用密码，很容易被猜到，请换一个"
    return ("密码太容易被猜到（如常用词、姓名、年份、键盘顺序、重复或连续的字符），"
            "请加长，或混合使用不相关的词、数字和符号")
