# Apache build locations recorded when mod_wsgi was compiled (values vary by build).
WITH_HTTPD_PACKAGE: bool
BINDIR: str
SBINDIR: str
LIBEXECDIR: str
SHLIBPATH: str
MPM_NAME: str
PROGNAME: str
SHLIBPATH_VAR: str
HTTPD: str
ROTATELOGS: str
