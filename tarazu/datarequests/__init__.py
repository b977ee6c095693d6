"""Lawful data requests: authorities asking for account-holder data.

Pure core (no I/O): the request as a value (:mod:`.model`, parsed by :mod:`.parse`), the
automated checks of legal process and scope (:mod:`.checks`) and the life of a request as a
fold of its events with the rules for each step (:mod:`.case`). The one rule everything else
serves: no data leaves without a recorded, approved legal authorisation
(:meth:`.case.DataRequestCase.authorisation`)."""
