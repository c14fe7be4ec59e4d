;; Query-pattern timing inside the JVM (System/nanoTime): Datalog queries and pulls on a Datalevin
;; connection, and the same patterns answered on the app's map as a Clojure map. Loaded by
;; workbench.bench.queries through the Datalevin bridge (load-string).
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

(defn- timed-run
  "Timed calls of f until n samples, or budget-ns spent with at least min-n:
  [samples (ns) last-result]."
  [f n min-n budget-ns]
  (let [deadline (+ (System/nanoTime) (long budget-ns))]
    (loop [samples (transient []) result nil]
      (if (or (>= (count samples) n)
              (and (>= (count samples) min-n) (> (System/nanoTime) deadline)))
        [(persistent! samples) result]
        (let [t0 (System/nanoTime)
              r (f)
              t1 (System/nanoTime)]
          (recur (conj! samples (- t1 t0)) r))))))

(defn- time-fn
  "Warm-up, untimed (the JIT compiles the hot paths): at least budget-ns, and at least `warmup`
  calls unless they take over 3 x budget-ns (a 100k-entity query runs its hot loops thousands
  of times in one call). Then `runs` timed runs (timed-run), back to back.
  Returns {:samples [ns ...] (the first run) :runs [[ns ...] ...] :result <last result>
  :warmup calls}."
  ([f warmup n min-n budget-ns] (time-fn f warmup n min-n budget-ns 1))
  ([f warmup n min-n budget-ns runs]
   (let [t0 (System/nanoTime)
         warm-until (+ t0 (long budget-ns))
         warm-cap (+ t0 (* 3 (long budget-ns)))
         warmed (loop [i 0]
                  (let [now (System/nanoTime)]
                    (if (and (> now warm-until) (or (>= i warmup) (> now warm-cap)))
                      i
                      (do (f) (recur (inc i))))))
         timed (vec (repeatedly runs #(timed-run f n min-n budget-ns)))]
     {:samples (first (first timed))
      :runs (mapv first timed)
      :result (second (peek timed))
      :warmup warmed})))

(defn time-ops
  "Time ops (a vector of [:q query input ...] or [:pull pattern lookup-ref]) run together as one
  pass (time-fn), in `runs` timed runs after one warm-up (default 1). Datalevin's query result
  cache is off unless cache? is true: a repeated identical query on an unchanged database would
  otherwise be answered from the cache."
  ([conn ops warmup n min-n budget-ns cache?]
   (time-ops conn ops warmup n min-n budget-ns cache? 1))
  ([conn ops warmup n min-n budget-ns cache? runs]
   (binding [dq/*cache?* (boolean cache?)]
     (time-fn #(run-ops conn ops) warmup n min-n budget-ns runs))))

(defn map-search
  "Keys of the entries whose printed key or value contains the text, case-insensitively: a
  Clojure emulation of the app's substring search over its in-memory map."
  [m ^String text]
  (let [needle (str/lower-case text)
        hit? (fn [x] (str/includes? (str/lower-case (pr-str x)) needle))]
    (into [] (comp (filter (fn [[k v]] (or (hit? k) (hit? v)))) (map key)) m)))

;; ---------------------------------------------------------------------------------------------
;; The app's map as a Clojure map: each pattern kind answered by a scan of the map, the same
;; answer as the Python emulation (workbench.bench._query_patterns edn_answer / _scan and
;; workbench.memory.queries). Answers are raw (ids, keys); the Python side makes them canonical.

(defn- same-value?
  "Python's `type(x) is type(want) and x == want`: a Long never equals a Double or a Boolean."
  [x want]
  (and (some? x) (identical? (class x) (class want)) (= x want)))

(defn- py-space?
  "Python's str.isspace for one character (Java's isWhitespace leaves out no-break spaces)."
  [c]
  (let [c (char c)]
    (or (Character/isWhitespace c) (Character/isSpaceChar c) (= c \u0085))))

(defn- py-strip
  "Python's str.strip()."
  ^String [^String s]
  (let [n (.length s)
        i (loop [i 0] (if (and (< i n) (py-space? (.charAt s i))) (recur (inc i)) i))
        j (loop [j n] (if (and (> j i) (py-space? (.charAt s (dec j)))) (recur (dec j)) j))]
    (if (and (zero? i) (== j n)) s (subs s i j))))

(defn- utc-second
  "Epoch second of the wall-clock fields read as UTC; nil where Python's datetime refuses them
  (year 0, month 13, 30 February, hour 24, second 60)."
  [y mo d h mi s]
  (when (<= 1 (long y) 9999)
    (try
      (.toEpochSecond (java.time.LocalDateTime/of (int y) (int mo) (int d) (int h) (int mi) (int s))
                      java.time.ZoneOffset/UTC)
      (catch java.time.DateTimeException _ nil))))

(defn- offset-seconds
  "Seconds east of UTC of a written offset (Z, +hh:mm, -hhmm; minutes not range-checked)."
  [^String tz]
  (if (or (nil? tz) (= tz "Z"))
    0
    (let [digits (str/replace (subs tz 1) ":" "")
          secs (+ (* 3600 (Long/parseLong (subs digits 0 2)))
                  (* 60 (Long/parseLong (subs digits 2))))]
      (if (= \+ (.charAt tz 0)) secs (- secs)))))

(defn- py-ms
  "Python's int(timestamp * 1000) of a time given in epoch microseconds (float arithmetic, so
  the same millisecond on a boundary)."
  [micros]
  (long (* (/ (double micros) 1e6) 1000.0)))

(def ^:private profile-iso
  #"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?(Z|[+-][0-9]{2}:?[0-9]{2})?")

(defn- profile-iso-ms
  "workbench.analysis.profile iso_to_ms: datetime.fromisoformat (microseconds, offsets under 24 h,
  no offset read as UTC), then int(timestamp * 1000); nil when not such a time."
  [^String text]
  (when-let [[_ y mo d h mi s frac tz] (re-matches profile-iso text)]
    (let [p #(Long/parseLong ^String %)
          off (offset-seconds tz)
          sec (utc-second (p y) (p mo) (p d) (p h) (p mi) (if s (p s) 0))]
      (when (and sec (< (Math/abs (long off)) 86400))
        (let [micros (if frac (p (subs (str frac "00000") 0 6)) 0)]
          (py-ms (+ (* (- (long sec) off) 1000000) micros)))))))

(def ^:private query-iso
  #"(?U)(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?")

(defn- query-iso-ms
  "workbench.memory.queries to_ms of a string: stripped, its milliseconds (first three digits of
  the fraction), exact integer arithmetic; nil when not such a time."
  [^String text]
  (when-let [[_ y mo d h mi s frac tz] (re-matches query-iso (py-strip text))]
    (let [p #(Long/parseLong ^String %)
          sec (utc-second (p y) (p mo) (p d) (p h) (p mi) (if s (p s) 0))]
      (when sec
        (- (+ (* (long sec) 1000) (if frac (p (subs (str frac "00") 0 3)) 0))
           (* 1000 (offset-seconds tz)))))))

(defn- to-ms
  "workbench.memory.queries to_ms: epoch ms of an integer, a float (truncated), an ISO-8601
  string or an #inst; nil otherwise (booleans included)."
  [x]
  (cond
    (instance? Boolean x) nil
    (integer? x) x
    (float? x) (long x)
    (string? x) (query-iso-ms x)
    (instance? java.util.Date x) (py-ms (* 1000 (.getTime ^java.util.Date x)))
    :else nil))

(defn- field-ms
  "_query_patterns._ms: a record's time field as the mapping types it (an integer as it is, an
  ISO-8601 string as epoch ms)."
  [x]
  (cond
    (or (instance? Long x) (instance? java.math.BigInteger x)) x
    (string? x) (profile-iso-ms x)
    :else nil))

(defn- builder-sessions
  "Maps holding :session/id, top-level values or one level down (iter_builder_sessions).
  Reducibles, not lazy seqs, here and below: no garbage per pass, so no pass times a collection."
  [m]
  (eduction
   (mapcat (fn [[_ v]]
             (when (map? v)
               (if (contains? v :session/id)
                 [v]
                 (eduction (filter #(and (map? %) (contains? % :session/id))) (vals v))))))
   m))

(defn- learning-records
  "Top-level map values holding :learning/id (iter_learning_records)."
  [m]
  (eduction (filter #(and (map? %) (contains? % :learning/id))) (vals m)))

(defn- presence
  "[session-id user-id user] of every entry of every :presence/<sid> map (iter_presence)."
  [m]
  (eduction
   (mapcat (fn [[k v]]
             (when (and (keyword? k) (= "presence" (namespace k)) (map? v))
               (let [sid (name k)]
                 (eduction (map (fn [[uid user]] [sid uid user])) v)))))
   m))

(def ^:private session-times [:session/updated-at :session/created-at :session/completed-at])

(defn- last-active
  "Latest of a builder session's times in epoch ms (session_last_active), nil without one."
  [s]
  (reduce (fn [best a]
            (let [t (to-ms (get s a))]
              (if (and t (or (nil? best) (> t best))) t best)))
          nil session-times))

(def ^:private map-queries
  "The plan's queries and the app's tag lookup on the map, by the name workbench.memory.queries
  gives them; each takes the map and one argument."
  {"sessions_by_type"
   (fn [m want]
     (into [] (comp (filter #(= want (get % :session/type))) (map :session/id))
           (builder-sessions m)))
   "learning_by_level"
   (fn [m want]
     (into []
           (comp (filter #(= want (let [lv (get % :learning/level)]
                                    (if (nil? lv) (get % :learning/status) lv))))
                 (map :learning/id))
           (learning-records m)))
   "sessions_active_since"
   (fn [m since]
     (let [builder (into []
                         (comp (filter #(when-let [t (last-active %)] (>= t since)))
                               (map :session/id))
                         (builder-sessions m))
           latest (reduce (fn [acc [sid _ user]]
                            (if-let [t (when (map? user) (to-ms (get user :user/joined-at)))]
                              (assoc acc sid (if-let [t0 (acc sid)] (max t t0) t))
                              acc))
                          {} (presence m))]
       (into builder (comp (filter #(>= (val %) since)) (map key)) latest)))
   "sessions_with_users"
   (fn [m _] (into [] (map (fn [[sid uid _]] [sid uid])) (presence m)))
   "learning_by_tag"
   (fn [m tag]
     (into []
           (comp (filter #(let [tags (get % :learning/tags)]
                            (cond (set? tags) (contains? tags tag)
                                  (or (vector? tags) (list? tags)) (some (fn [t] (= tag t)) tags)
                                  :else false)))
                 (map :learning/id))
           (learning-records m)))})

(defn- records
  "The record maps of one entry's value under its kind's layout (_query_patterns._records)."
  [v layout]
  (case layout
    "root" (when (map? v) [v])
    "values" (when (map? v) (vals v))
    "items" (when (or (vector? v) (list? v)) v)))

(defn- map-scan
  "Keys of the entries (whose key namespace is in the set nss, when not empty) holding a record
  map for which hit? is true (_query_patterns._scan)."
  [m nss layout hit?]
  (into []
        (comp (filter (fn [[k _]]
                        (or (empty? nss) (and (keyword? k) (contains? nss (namespace k))))))
              (filter (fn [[_ v]] (some #(and (map? %) (hit? %)) (records v layout))))
              (map key))
        m))

(defn- map-thunk
  "A function of no arguments answering one op on the in-memory map m: [:get keys] reads each
  key, [:search text] scans printed keys and values, [:query name arg] runs a plan query,
  [:lookup attr value] finds top-level entries by value, [:component nss layout field value]
  and [:range nss layout field lo hi] find the entries holding a matching record."
  [m [kind & args]]
  (case kind
    :get (let [[ks] args] #(mapv (fn [k] (get m k)) ks))
    :search (let [[text] args] #(map-search m text))
    :query (let [[qname arg] args
                 f (or (map-queries qname)
                       (throw (ex-info (str "no Clojure map query named " qname) {:name qname})))]
             #(f m arg))
    :lookup (let [[attr want] args]
              #(into [] (comp (filter (fn [[_ v]] (and (map? v) (same-value? (get v attr) want))))
                              (map key))
                     m))
    :component (let [[nss layout field want] args
                     nss (set nss)
                     hit? (fn [r] (same-value? (get r field) want))]
                 #(map-scan m nss layout hit?))
    :range (let [[nss layout field lo hi] args
                 nss (set nss)
                 hit? (fn [r] (when-let [t (field-ms (get r field))] (<= lo t hi)))]
             #(map-scan m nss layout hit?))))

(defn time-map
  "Time one op (map-thunk) on the in-memory map m (time-fn)."
  [m op warmup n min-n budget-ns]
  (time-fn (map-thunk m op) warmup n min-n budget-ns))
