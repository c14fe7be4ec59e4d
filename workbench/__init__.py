"""workbench: analyse a Clojure app's memory.edn and rehearse its move to LMDB / Datalevin."""

__version__ = "0.1.0"
