"""The programme's website: ``cim site init`` (the office's pages) and ``cim site build``.

:mod:`cim_cli.site.starter` writes the markdown pages the office edits;
:mod:`cim_cli.site.build` renders them with the pages generated from the programme
file (sign-up, catalogue, portfolio, verify) through Jinja2 templates in
``templates/``; the verify page embeds the trust list read by
:mod:`cim_cli.trust.trustlist`, cim's one trust-list reader. Vendored CSS and its licence are in ``static/`` (see ``static/PROVENANCE.md``).
"""
