"""Everything that touches Saleor besides plugin.py (the only other module that imports ``saleor``).

* :mod:`.facts`: Saleor's orders, ledger, channels and the plugin's saved configuration as the plugin's facts;
* :mod:`.host`: the host port (refunds, returns, gift cards, replacement orders; contacts, staff groups, template
  overrides, notify), called by the services and calling none of them;
* :mod:`.auth`: who is calling the endpoint;
* :mod:`.events`: Saleor's order events, which call the services; :mod:`.tasks` runs them off the request path;
* :mod:`.configuration`: the channel's configuration checked on save and its policy published;
* :mod:`.endpoint`: the HTTP endpoint and the Dashboard app's files.
"""
