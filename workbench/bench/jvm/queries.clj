;; Query-pattern timing inside the JVM (System/nanoTime): Datalog queries and pulls on a Datalevin
;; connection. Loaded by workbench.bench.queries through the Datalevin bridge (load-string).
(ns workbench.bench.queries
  (:require [datalevin.core :as d]
            [datalevin.query :as dq]))

(defn open-conn
  "A connection to the Datalevin database at path (its stored schema)."
  [^String path]
  (d/get-conn path))

(defn close-conn [conn] (d/close conn))

(defn ci-pattern
  "A case-insensitive regex matching the text literally (the app's substring search)."
  [^String text]
  (re-pattern (str "(?i)" (java.util.regex.Pattern/quote text))))

(defn- run-op [db [kind form & args]]
  (case kind
    :q (apply d/q form db args)
    :pull (d/pull db form (first args))))

(defn- run-ops [conn ops]
  (let [db (d/db conn)]
    (mapv #(run-op db %) ops)))

(defn time-ops
  "Run ops (a vector of [:q query input ...] or [:pull pattern lookup-ref]) together as one pass.
  Warm-up: at least `warmup` passes and budget-ns of them, untimed (the JIT compiles the query
  engine's hot paths). Then timed passes until n samples, or budget-ns spent with at least min-n.
  Datalevin's query result cache is off unless cache? is true: a repeated identical query on an
  unchanged database would otherwise be answered from the cache. Returns
  {:samples [ns ...] :result [...] :warmup passes}."
  [conn ops warmup n min-n budget-ns cache?]
  (binding [dq/*cache?* (boolean cache?)]
    (let [warm-until (+ (System/nanoTime) (long budget-ns))
          warmed (loop [i 0]
                   (if (and (>= i warmup) (> (System/nanoTime) warm-until))
                     i
                     (do (run-ops conn ops) (recur (inc i)))))
          deadline (+ (System/nanoTime) (long budget-ns))]
      (loop [samples (transient []) result nil]
        (if (or (>= (count samples) n)
                (and (>= (count samples) min-n) (> (System/nanoTime) deadline)))
          {:samples (persistent! samples) :result result :warmup warmed}
          (let [t0 (System/nanoTime)
                r (run-ops conn ops)
                t1 (System/nanoTime)]
            (recur (conj! samples (- t1 t0)) r)))))))
