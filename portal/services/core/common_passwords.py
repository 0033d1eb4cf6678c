"""Common passwords of 10+ characters (shorter ones fail the length rule anyway).

From the published top lists of leaked passwords, including those common in China; kept
small on purpose: the aim is to refuse what an attacker tries first.
"""

COMMON = frozenset((
    "#", "noqa:", "SIM905", "—", "a", "word", "list", "reads", "better", "as", "1234567890",
    "0123456789", "0987654321", "1111111111", "0000000000", "1231231231", "1212121212",
    "123456789a", "a123456789", "a1234567890", "1234567890a", "123456789q", "q123456789",
    "123456789z", "aa123456789", "qq123456789", "qq1234567890", "abc1234567", "abcd123456",
    "abc123456789", "1234qwerty", "qwerty1234", "qwertyuiop", "qwerty12345", "1qaz2wsx3e",
    "1qaz2wsx3edc", "1q2w3e4r5t", "1q2w3e4r5t6y", "zaq12wsxcde", "zxcvbnm123", "asdfghjkl1",
    "asdfghjkl;", "password12", "password123", "password1234", "passw0rd12", "p@ssw0rd12",
    "p@ssword123", "iloveyou12", "iloveyou123", "woaini1314", "woaini520", "5201314520",
    "1314520520", "5211314521", "woaini123456", "wang123456", "zhang123456", "li123456789",
    "admin12345", "admin123456", "administrator", "root123456", "welcome123", "welcome1234",
    "letmein123", "trustno1234", "football12", "baseball12", "princess12", "sunshine12",
    "dragon1234", "monkey1234", "master1234", "superman12", "starwars12", "computer12",
    "changeme12", "default123", "service123", "demo123456",
))
