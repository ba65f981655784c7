# Deprecated alias kept for Django's INSTALLED_APPS; importing it warns (FutureWarning)
# and points to mod_wsgi.express.  It defines nothing else.
