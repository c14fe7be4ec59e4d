;; The backup comparison's Datalevin side, run inside the JVM: the source database, the app's mixed
;; trace writing to it while a backup runs, Datalevin's own backups (copy, compacted copy, datom dump)
;; and restore (load of the dump), and the fidelity checks of a restored database. Loaded by
;; workbench.bench._backup_jvm through the Datalevin bridge (clojure.core/load-string).
;; Modes arrive as keywords, never as booleans (a Python False is a java.lang.Boolean Clojure's
;; `if` treats as true).
(ns workbench.bench.backup
  (:require [clojure.edn :as edn]
            [datalevin.core :as d]
            [datalevin.dump :as dump])
  (:import [java.io BufferedInputStream BufferedOutputStream DataInputStream DataOutputStream
            FileInputStream FileOutputStream]
           [java.security MessageDigest]
           [java.util Arrays Map Random]
           [java.util.concurrent.atomic AtomicBoolean AtomicLong]))

(set! *warn-on-reflection* true)

(defn open-source
  "The source database: an empty Datalevin Datalog database at path under schema (Datalevin's
  default flags, every commit durable), filled by load-batch!. Returns the conn."
  [^String path schema]
  (d/get-conn path schema))

(defn load-batch!
  "Transact one batch of entities into the source (one transaction) and note each one's blob in
  expected ({:workbench/key text -> :memory/value}) and its printed key in printed ({:workbench/key
  text -> :memory/key}): the file's values, kept in the JVM only, as the very Strings transacted."
  [conn entities ^Map expected ^Map printed]
  (d/transact! conn (vec entities))
  (doseq [ent entities]
    (let [k (:workbench/key ent)]
      (.put expected k (:memory/value ent))
      (.put printed k (:memory/key ent))))
  (count entities))

(defn close-conn [conn] (d/close conn))

;; ------------------------------------------------------------------------------ the app writing

(defn- read-value
  "What the app pays for a get: pull the blob by lookup ref, read it with clojure.edn."
  [conn ^String text]
  (when-let [b (:memory/value (d/pull (d/db conn) [:memory/value] [:workbench/key text]))]
    (if (string? b) (edn/read-string {:default tagged-literal} b) b)))

(defn start-trace
  "Run the app's mixed trace against conn in a background thread until stopped, in chunks of
  `chunk` ops: 75% reads of a hot key, 5% reads of any key, 17% session saves (the entity of a
  touched session value: an upsert on :workbench/key), 3% new learning records (each chunk retracts
  the ones it created). hot/any: key texts; saves: [touched original] entity pairs; creates:
  learning entities. Returns {:ops AtomicLong (ops done) :saved AtomicLong :stop (fn [] ->
  {:errors [...] :unreadable n})}."
  [conn ^objects hot ^objects any ^objects saves ^objects creates seed chunk]
  (let [ops (AtomicLong.)
        saved (AtomicLong.)
        unreadable (AtomicLong.)
        running (AtomicBoolean. true)
        errors (atom [])
        rnd (Random. (long seed))
        pick (fn [^objects a] (aget a (.nextInt rnd (alength a))))
        read! (fn [^objects a]
                (when (pos? (alength a))
                  (try (read-value conn (pick a))
                       (catch Exception _ (.incrementAndGet unreadable)))))
        worker (future
                 (try
                   (while (.get running)
                     (let [created (java.util.LinkedHashSet.)]
                       (dotimes [_ (long chunk)]
                         (let [x (.nextDouble rnd)]
                           (cond
                             (< x 0.75) (read! hot)
                             (< x 0.80) (read! any)
                             (and (< x 0.97) (pos? (alength saves)))
                             (do (d/transact! conn [(first (pick saves))]) (.incrementAndGet saved))
                             (pos? (alength creates))
                             (let [ent (pick creates)]
                               (d/transact! conn [ent])
                               (.add created (:workbench/key ent)))
                             :else (read! any)))
                         (.incrementAndGet ops))
                       (when-not (.isEmpty created)
                         (d/transact! conn (mapv (fn [t] [:db/retractEntity [:workbench/key t]])
                                                 created)))))
                   (catch Throwable e
                     (swap! errors conj (str (.getName (class e)) ": " (.getMessage e))))))]
    {:ops ops
     :saved saved
     :stop (fn []
             (.set running false)
             (deref worker 60000 nil)
             {:errors @errors :unreadable (.get unreadable)})}))

(defn undo-saves
  "Transact the original entity of every save pair: the sessions back to the file's values."
  [conn ^objects saves]
  (when (pos? (alength saves))
    (d/transact! conn (mapv second saves))))

;; ------------------------------------------------------------------------------------ backups

(defn backup!
  "Back up conn's database to dest with Datalevin's own API, timed with System/nanoTime: kind
  :copy / :copy-compact (datalevin.core/copy, compact? false / true) or :dump (the nippy datom
  dump, datalevin.dump/dump-datalog, to a buffered stream). ops: the trace's counter (or nil).
  Returns [ns app-ops-done-meanwhile]."
  [conn kind ^String dest ^AtomicLong ops]
  (let [o0 (if ops (.get ops) 0)
        t0 (System/nanoTime)]
    (case kind
      :copy (d/copy (d/db conn) dest false)
      :copy-compact (d/copy (d/db conn) dest true)
      :dump (with-open [out (DataOutputStream.
                             (BufferedOutputStream. (FileOutputStream. dest) 65536))]
              (dump/dump-datalog conn out)))
    [(- (System/nanoTime) t0) (if ops (- (.get ops) o0) 0)]))

(defn load-dump!
  "Restore a nippy datom dump into the (empty) folder stage: datalevin.dump/load-datalog, as
  `dtlv load -n` does. Returns ns."
  [^String stage ^String dump-file]
  (let [t0 (System/nanoTime)]
    (with-open [in (DataInputStream. (BufferedInputStream. (FileInputStream. dump-file) 65536))]
      (dump/load-datalog stage in {} {} true))
    (- (System/nanoTime) t0)))

;; ---------------------------------------------------------------------------- fidelity checks

(defn- key-blobs
  "{key text -> blob} of a database value."
  [db]
  (into {} (d/q '[:find ?k ?b :where [?e :workbench/key ?k] [?e :memory/value ?b]] db)))

(defn- same-blob? [a b]
  (if (bytes? a) (and (bytes? b) (Arrays/equals ^bytes a ^bytes b)) (= a b)))

(defn compare-db
  "Open the database at path and compare its blobs with expected ({key text blob}, the file's
  values). touched ({key text blob}) and trace-keys (a set) are what the app's trace may have left
  in a backup taken while it wrote. Returns [identical missing differing extra-allowed extra-other]."
  [^String path ^Map expected ^Map touched trace-keys]
  (let [conn (d/get-conn path)]
    (try
      (let [got (key-blobs (d/db conn))
            allowed (set trace-keys)
            counts (reduce (fn [[same missing differ] ^java.util.Map$Entry e]
                             (let [k (.getKey e)
                                   b (get got k ::missing)]
                               (cond
                                 (= b ::missing) [same (inc missing) differ]
                                 (same-blob? b (.getValue e)) [(inc same) missing differ]
                                 (and touched (same-blob? b (.get touched k)))
                                 [same missing differ]
                                 :else [same missing (inc differ)])))
                           [0 0 0] (.entrySet expected))
            extra (remove #(.containsKey expected %) (keys got))]
        (conj counts (count (filter allowed extra)) (count (remove allowed extra))))
      (finally (d/close conn)))))

(defn source-blobs
  "Every entry of conn's database as a flat array [printed-key blob ...] (:memory/key,
  :memory/value), from one database value: what the EDN export writes without decoding a blob."
  ^objects [conn]
  (let [rows (d/q '[:find ?pk ?b :where [?e :memory/key ?pk] [?e :memory/value ?b]] (d/db conn))
        out (object-array (* 2 (count rows)))]
    (reduce (fn [i [pk b]] (aset out i pk) (aset out (inc i) b) (+ i 2)) 0 rows)
    out))

(defn- holds-nan? [v]
  (boolean (some #(and (instance? Double %) (Double/isNaN (double %))) (tree-seq coll? seq v))))

(defn edn-reads
  "Can the app read the EDN file at path? clojure.edn/read-string of the whole file (throws if
  it cannot), then each of the file's values (expected: {key text blob}, printed: {key text
  printed key}; both read with clojure.edn, as the app reads the file) compared by clojure.core/=
  with the entry read from the export (values holding ##NaN counted apart). Returns [entries-read
  equal holding-NaN differing first-differing-printed-keys]."
  [^String path ^Map expected ^Map printed]
  (let [got (edn/read-string (slurp path :encoding "UTF-8"))
        read1 (fn [^String s] (try (edn/read-string s) (catch Exception _ ::unreadable)))]
    (loop [es (seq (.entrySet expected)) same 0 nan 0 differ 0 shown []]
      (if-let [^java.util.Map$Entry e (first es)]
        (let [k (read1 (.get printed (.getKey e)))
              v (read1 (.getValue e))
              ok (and (not= k ::unreadable) (not= v ::unreadable) (contains? got k)
                      (= (get got k) v))]
          (cond
            ;; a value holding ##NaN is counted apart, = or not: = finds clojure.edn's one NaN
            ;; object equal to itself by identity only, never by value
            (and (not= v ::unreadable) (holds-nan? v)) (recur (next es) same (inc nan) differ shown)
            ok (recur (next es) (inc same) nan differ shown)
            :else (recur (next es) same nan (inc differ)
                         (cond-> shown (< (count shown) 3) (conj (.get printed (.getKey e)))))))
        [(count got) same nan differ shown]))))

(defn- digest-field!
  "Feed one datom field to md: a String or byte[] as its bytes, anything else as its pr-str, then
  a type tag and a separator (so 1 and \"1\" differ)."
  [^MessageDigest md v]
  (cond
    (string? v) (.update md (.getBytes ^String v "UTF-8"))
    (bytes? v) (.update md ^bytes v)
    :else (.update md (.getBytes ^String (pr-str v) "UTF-8")))
  (.update md (.getBytes (.getName (class v)) "UTF-8"))
  (.update md (byte 0)))

(defn content-hash
  "sha256 of every datom [e a v] of the database at path, in index order (nil when it does not
  open as a Datalog database): the kill test's state of a folder a load rebuilds (its bytes are
  not the same from one load to the next)."
  [^String path]
  (let [conn (try (d/get-conn path) (catch Throwable _ nil))]
    (when conn
      (try
        (let [md (MessageDigest/getInstance "SHA-256")]
          (doseq [dt (d/datoms (d/db conn) :eav)]
            (digest-field! md (:e dt))
            (digest-field! md (:a dt))
            (digest-field! md (:v dt)))
          (apply str (map #(format "%02x" %) (.digest md))))
        (catch Throwable _ nil)
        (finally (d/close conn))))))
