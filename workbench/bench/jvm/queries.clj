;; Query-pattern timing inside the JVM (System/nanoTime): Datalog queries and pulls on a Datalevin
;; connection. Loaded by workbench.bench.queries through the Datalevin bridge (load-string).
(ns workbench.bench.queries
  (:require [clojure.string :as str]
            [datalevin.core :as d]
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

(defn- time-fn
  "Warm-up: at least `warmup` calls and budget-ns of them, untimed (the JIT compiles the hot
  paths). Then timed calls of f until n samples, or budget-ns spent with at least min-n.
  Returns {:samples [ns ...] :result <last result> :warmup calls}."
  [f warmup n min-n budget-ns]
  (let [warm-until (+ (System/nanoTime) (long budget-ns))
        warmed (loop [i 0]
                 (if (and (>= i warmup) (> (System/nanoTime) warm-until))
                   i
                   (do (f) (recur (inc i)))))
        deadline (+ (System/nanoTime) (long budget-ns))]
    (loop [samples (transient []) result nil]
      (if (or (>= (count samples) n)
              (and (>= (count samples) min-n) (> (System/nanoTime) deadline)))
        {:samples (persistent! samples) :result result :warmup warmed}
        (let [t0 (System/nanoTime)
              r (f)
              t1 (System/nanoTime)]
          (recur (conj! samples (- t1 t0)) r))))))

(defn time-ops
  "Time ops (a vector of [:q query input ...] or [:pull pattern lookup-ref]) run together as one
  pass (time-fn). Datalevin's query result cache is off unless cache? is true: a repeated
  identical query on an unchanged database would otherwise be answered from the cache."
  [conn ops warmup n min-n budget-ns cache?]
  (binding [dq/*cache?* (boolean cache?)]
    (time-fn #(run-ops conn ops) warmup n min-n budget-ns)))

(defn map-search
  "Keys of the entries whose printed key or value contains the text, case-insensitively: a
  Clojure emulation of the app's substring search over its in-memory map."
  [m ^String text]
  (let [needle (str/lower-case text)
        hit? (fn [x] (str/includes? (str/lower-case (pr-str x)) needle))]
    (into [] (comp (filter (fn [[k v]] (or (hit? k) (hit? v)))) (map key)) m)))

(defn time-map
  "Time one pass on the in-memory map m: [:get keys] reads each key, [:search text] scans."
  [m [kind arg] warmup n min-n budget-ns]
  (time-fn (case kind
             :get #(mapv (fn [k] (get m k)) arg)
             :search #(map-search m arg))
           warmup n min-n budget-ns))
