;; The workbench's JVM benchmark engine: the app's stores, timed inside the JVM with System/nanoTime.
;; Loaded by workbench.bench.jvm through the Datalevin bridge (clojure.core/load-string).
;; Flags and modes arrive as keywords, never as booleans: a Python False reaches Clojure as a fresh
;; java.lang.Boolean, which Clojure's `if` treats as true.
(ns workbench.bench.harness
  (:require [clojure.edn :as edn]
            [clojure.walk :as walk]
            [datalevin.core :as d])
  (:import [java.io File FileOutputStream]
           [java.nio.file Files StandardCopyOption CopyOption]
           [java.util Arrays Random]))

(set! *warn-on-reflection* true)

(defn- write-durable!
  "Whole-file write of text to path: temp file, fsync, rename (the durable EDN save)."
  [^String path ^String text]
  (let [f (File. path)
        tmp (File. (str path ".tmp"))]
    (with-open [out (FileOutputStream. tmp)]
      (.write out (.getBytes text "UTF-8"))
      (.sync (.getFD out)))
    (Files/move (.toPath tmp) (.toPath f)
                (into-array CopyOption [StandardCopyOption/ATOMIC_MOVE]))))

(defn edn-app
  "memory.clj: an atom; save = swap! + a debounced (100 ms) spit of pr-str of the whole map.
  mode :durable: the save returns once the whole file is written, fsynced and renamed."
  [^String path data mode]
  (let [durable? (= mode :durable)
        state (atom data)
        pending (atom nil)
        ;; a cancelled future may already be writing: writes take turns, settle! waits for all
        lock (Object.)
        flush! (fn [] (locking lock
                        (if durable?
                          (write-durable! path (pr-str @state))
                          (spit path (pr-str @state)))))
        schedule! (fn []
                    (when-let [f @pending] (future-cancel f))
                    (reset! pending (future (Thread/sleep 100) (flush!))))
        ;; no timeout: at 100k entries one whole-file spit takes seconds
        settle! (fn []
                  (when-let [f @pending]
                    (try (deref f) (catch java.util.concurrent.CancellationException _ nil)))
                  (locking lock nil))]
    (flush!)
    {:get (fn [k] (get @state k))
     :save (fn [k v] (swap! state assoc k v) (if durable? (flush!) (schedule!)))
     :delete (fn [k] (swap! state dissoc k) (if durable? (flush!) (schedule!)))
     ;; as memory.clj starts: the atom then holds the map read from the file (the cached stores'
     ;; startup likewise reloads their atom), so later gets read the freshly loaded map
     :startup (fn [] (count (reset! state (edn/read-string (slurp path)))))
     ;; what is on disk once the pending write has landed
     :persisted (fn [] (settle!) (edn/read-string (slurp path)))
     :settle settle!
     :close settle!}))

(defn- open-kv [^String path opts]
  (let [kv (if opts (d/open-kv path opts) (d/open-kv path))]
    (d/open-dbi kv "memory")
    kv))

(defn- kv-all [kv] (into {} (d/get-range kv "memory" [:all] :keyword :data)))

(defn- timed-batches
  "Run (f batch) on data in batches of 1000 entries: ns per batch (the bulk-load op)."
  ^longs [f data]
  (long-array (for [batch (partition-all 1000 data)]
                (let [t0 (System/nanoTime)] (f batch) (- (System/nanoTime) t0)))))

(defn datalevin-kv
  "Datalevin KV: one DBI, keyword keys, :data values; opts nil = Datalevin's default flags.
  The entries are loaded 1000 per transact-kv (timed: :load-ns). startup = close + open-kv +
  open-dbi + one get (the environment is reopened from disk)."
  [^String path data opts]
  (let [kv (atom (open-kv path opts))
        probe (ffirst data)
        load-ns (timed-batches #(d/transact-kv @kv (mapv (fn [[k v]] [:put "memory" k v :keyword :data]) %))
                               data)]
    {:load-ns load-ns
     :get (fn [k] (d/get-value @kv "memory" k :keyword :data))
     :save (fn [k v] (d/transact-kv @kv [[:put "memory" k v :keyword :data]]))
     :delete (fn [k] (d/transact-kv @kv [[:del "memory" k :keyword]]))
     ;; one transaction for a batch of [op k v] (op :save or :delete)
     :write-batch (fn [ops] (d/transact-kv @kv (mapv (fn [[op k v]] (if (= op :save)
                                                                      [:put "memory" k v :keyword :data]
                                                                      [:del "memory" k :keyword]))
                                                     ops)))
     :startup (fn [] (d/close-kv @kv) (reset! kv (open-kv path opts))
                (d/get-value @kv "memory" probe :keyword :data))
     :load-all (fn [] (d/close-kv @kv) (reset! kv (open-kv path opts)) (kv-all @kv))
     :persisted (fn [] (kv-all @kv))
     :close (fn [] (d/close-kv @kv))}))

(defn cached
  "The app's atom in front of a store: reads from the atom; :write-through transacts before the save
  returns, :write-behind queues it and a background loop writes the queue every 100 ms in one
  transaction (the window of loss is today's debounce).
  startup = reopen the store and load every entry into the atom."
  [inner data policy]
  (let [state (atom data)
        ;; {key [op k v]}: a later op on a key replaces the queued one, so the queue holds at
        ;; most one op per key however fast the app saves
        queue (atom {})
        running (atom true)
        lock (Object.) ; the background drain never runs while startup reopens the store
        ;; the queue is written in one transaction
        drain! (fn [] (locking lock
                        (let [[q _] (reset-vals! queue {})]
                          (when (seq q)
                            ((:write-batch inner) (vals q))))))
        loop-f (when (= policy :write-behind)
                 (future (while @running (Thread/sleep 100) (drain!))))]
    {:load-ns (:load-ns inner)
     :get (fn [k] (get @state k))
     :save (fn [k v] (swap! state assoc k v)
             (if loop-f (swap! queue assoc k [:save k v]) ((:save inner) k v)))
     :delete (fn [k] (swap! state dissoc k)
               (if loop-f (swap! queue assoc k [:delete k nil]) ((:delete inner) k)))
     :startup (fn [] (locking lock (count (reset! state ((:load-all inner))))))
     :persisted (fn [] (drain!) ((:persisted inner)))
     :settle drain!
     :close (fn [] (reset! running false) (when loop-f (deref loop-f 1000 nil)) (drain!)
              ((:close inner)))}))

;; The Datalog shape: one entity per memory key (the inferred hybrid schema, built in Python by the
;; store's own mapping); :workbench/key (the key's exact text, unique identity) is the lookup ref.
(defn- blob-value [pulled]
  (when-let [b (:memory/value pulled)] (edn/read-string {:default tagged-literal} b)))

(defn- datalog-all [db]
  (into {} (map (fn [p] [(:workbench/key p) (blob-value p)]))
        (d/pull-many db [:workbench/key :memory/value]
                     (d/q '[:find [?e ...] :where [?e :workbench/key _]] db))))

(defn datalevin-datalog
  "Datalevin Datalog: entities {key-text entity-map} transacted 1000 per transaction (timed:
  :load-ns) under schema; opts nil = Datalevin's default flags; mode :loaded: the database at
  path holds them already (a copy of a loaded store's files: no load, no :load-ns). get = pull of
  the blob by lookup ref + edn/read-string (what the app pays for the value); save = transact! of
  the key's entity (an upsert on :workbench/key; the same value, so no retraction is needed);
  startup = close + get-conn (stored schema) + one pull."
  ([path entities schema opts] (datalevin-datalog path entities schema opts :load))
  ([^String path entities schema opts mode]
   (let [conn (atom (if opts (d/get-conn path schema opts) (d/get-conn path schema)))
         probe (ffirst entities)
         pat [:memory/value]
         load-ns (when (= mode :load)
                   (timed-batches #(d/transact! @conn (mapv val %)) entities))]
     {:load-ns load-ns
      :conn (fn [] @conn)
      :get (fn [text] (blob-value (d/pull (d/db @conn) pat [:workbench/key text])))
      :save (fn [_ ent] (d/transact! @conn [ent]))
      :startup (fn [] (d/close @conn)
                 (reset! conn (if opts (d/get-conn path nil opts) (d/get-conn path)))
                 (d/pull (d/db @conn) pat [:workbench/key probe]))
      :persisted (fn [] (datalog-all (d/db @conn)))
      :close (fn [] (d/close @conn))})))

;; ------------------------------------------------------------------------------------ timing

(def ^:private sink (object-array 1))

(defn- op-fn
  "The op of `kind` as a primitive fn of a slot index (no boxing in the timed call)."
  ^clojure.lang.IFn$LO [store kind ^objects ks ^objects vs]
  (let [get-f (:get store) save-f (:save store) startup-f (:startup store)]
    (case kind
      :noop (fn ^Object [^long _] nil)
      :get (fn ^Object [^long i] (get-f (aget ks i)))
      :save (fn ^Object [^long i] (save-f (aget ks i) (aget vs i)))
      :startup (fn ^Object [^long _] (startup-f)))))

(defn- time-op
  "Run f on slots 0.. until n samples or budget-ns has passed (at least min-n): ns per sample,
  each sample `per` consecutive calls (per > 1 for ops too short for one nanoTime pair)."
  ^longs [^clojure.lang.IFn$LO f slots n budget-ns min-n per]
  ;; primitive locals (a fn with primitive args takes at most 4): no boxing in the timed call
  (let [slots (long slots) n (long n) budget-ns (long budget-ns) min-n (long min-n) per (long per)
        out (long-array n)
        deadline (+ (System/nanoTime) budget-ns)
        ^objects sink sink]
    (loop [i 0 slot 0]
      (if (and (< i n) (or (< i min-n) (< (System/nanoTime) deadline)))
        (let [t0 (System/nanoTime)
              slot (long (loop [j 0 slot slot]
                           (if (< j per)
                             (do (aset sink 0 (.invokePrim f slot))
                                 (recur (inc j) (let [s (inc slot)] (if (< s slots) s 0))))
                             slot)))
              t1 (System/nanoTime)]
          (aset out i (- t1 t0))
          (recur (inc i) slot))
        (Arrays/copyOf out (int i))))))

(defn- calls-per-sample
  "How many calls one sample times: 1, or enough that a sample lasts about 2 us when one call
  takes less than 1 us (a nanoTime pair costs ~25 ns and ticks coarsely: a 50 ns op timed
  alone reads as its clock's steps). Decided by the median of the warm-up's second half."
  ^long [^longs warm]
  (let [n (alength warm)
        tail (Arrays/copyOfRange warm (int (quot n 2)) (int n))
        med (do (Arrays/sort tail) (aget tail (quot (alength tail) 2)))]
    (if (< med 1000) (min 1000 (quot 2000 (max med 1))) 1)))

;; a pending debounced spit would otherwise be half-written when startup slurps the file
(defn- settle! [store] (when-let [f (:settle store)] (f)))

(defn- window-median
  "The median sample of a warm-up window, per call."
  ^double [^longs w ^long per]
  (let [a (Arrays/copyOf w (alength w))]
    (Arrays/sort a)
    (/ (double (aget a (quot (alength a) 2))) per)))

(defn still-warming?
  "True while an op is still getting faster: the mean of the last k warm-up windows' medians is
  over 3% below the mean of the k before (k = 4 windows, 1 s, or half the windows when fewer; at
  least 2). A durable Datalog save fell from 750 to 400 us over 7 s of saves, in a JVM that had
  already warmed the nosync variant; a fixed 2 s warm-up left its first timed run 12% slower than
  its second."
  [meds]
  (let [m (vec meds) c (count m) k (min 4 (quot c 2))
        mean (fn [from] (/ (reduce + (map double (subvec m from (+ from k)))) k))]
    (and (>= k 2) (< (mean (- c k)) (* 0.97 (mean (- c k k)))))))

(def ^:private window-min-samples
  "A warm-up window counts towards the steady-state check with at least this many samples."
  20)

(defn- warm-up
  "Untimed warm-up of op f, in windows of 250 ms: one call per sample until `warmup` calls or
  `warmup-ms` have passed; then, for an op under 1 us, batched samples for at least 500 ms (the
  JIT compiles the batch loop on its own, in the background); then more windows while
  still-warming? says the op is still getting faster, up to 2x warmup-ms (at least 8 s) in all.
  The empty op and startup stop at the plan's warm-up; a warm-up of 0 calls is none. Returns
  [calls per sample, warm-up calls, warm-up ns]."
  [f slots kind warmup warmup-ms]
  (if (zero? (long warmup))
    [1 0 0]
    (let [slots (long slots) warmup (long warmup)
          t0 (System/nanoTime)
          min-ns (* 1000000 (long warmup-ms))
          cap-ns (max (* 2 min-ns) 8000000000)
          elapsed #(- (System/nanoTime) t0)
          window (fn [n per] (time-op f slots (long n) 250000000 1 (long per)))
          ;; one call per sample, up to warmup calls within warmup-ms (at least one window)
          [meds calls last-w]
          (loop [meds [] calls 0 last-w nil]
            (if (or (nil? last-w) (and (< calls warmup) (< (elapsed) min-ns)))
              (let [^longs w (window (max 1 (min 100000 (- warmup calls))) 1)]
                (recur (if (>= (alength w) window-min-samples) (conj meds (window-median w 1)) meds)
                       (+ calls (alength w)) w))
              [meds calls last-w]))
          ;; the empty op stays one call per sample: the overhead a single-call sample carries
          per (if (#{:noop :startup} kind) 1 (calls-per-sample last-w))
          windowed (fn [meds calls until-ns]
                     (loop [meds meds calls calls]
                       (if (or (< (elapsed) until-ns)
                               (and (not (#{:noop :startup} kind)) (< (elapsed) cap-ns)
                                    (still-warming? meds)))
                         (let [^longs w (window 100000 per)]
                           (recur (if (>= (alength w) window-min-samples)
                                    (conj meds (window-median w per))
                                    meds)
                                  (+ calls (* per (alength w)))))
                         [meds calls])))
          [_ calls] (if (> per 1)
                      (windowed [] calls (+ (elapsed) 500000000)) ; batched: medians per call anew
                      (windowed meds calls 0))]
      [per calls (elapsed)])))

(defn measure
  "Time each op kind of `plan` ({kind {:n .. :budget-ms .. :warmup .. :warmup-ms ..}}) on store:
  per kind, an untimed warm-up (warm-up: at least :warmup calls or :warmup-ms, longer while the op
  still gets faster), then `runs` timed runs, each of up to :n calls within :budget-ms. Keys are
  drawn from `ks` with java.util.Random(seed); a save writes the key's own value. Returns
  {kind [long[] of ns, one per run], :per {kind calls per sample}, :warmup-calls {kind calls},
  :warmup-ns {kind ns}}."
  [store data plan runs seed]
  (let [rnd (Random. (long seed))
        keys-v (vec (keys data))
        slots (int (min 100000 (max 1 (apply max 1 (map :n (vals plan))))))
        ks (object-array slots)
        vs (object-array slots)]
    (dotimes [i slots]
      (let [k (nth keys-v (.nextInt rnd (count keys-v)))]
        (aset ks i k)
        (aset vs i (get data k))))
    (let [kinds (filter #(or (not= % :startup) (:startup store)) (keys plan))
          fns (into {} (map (fn [k] [k (op-fn store k ks vs)]) kinds))
          ;; per kind, after its untimed warm-up: [calls per timed sample, warm-up calls, ns]
          warm (into {}
                     ;; saves before gets: their first calls load classes that deoptimise code
                     ;; the get had warmed (KV get 7.1-7.5 us in run 1, 4.1-4.3 in run 2, when
                     ;; the gets warmed up first); startup last, as in each run, so run 1's gets
                     ;; read a freshly started store as run 2's do (atom reads 0.03 vs 0.02 us
                     ;; when the saves came between)
                     (for [k (sort-by {:save 0 :get 1 :noop 2 :startup 3} kinds)]
                       (do
                         (settle! store)
                         (let [{:keys [warmup warmup-ms]} (plan k)]
                           [k (warm-up (fns k) slots k warmup warmup-ms)]))))
          per (update-vals warm first)]
      ;; run r of every kind before run r+1 of any: the spread compares two passes over all ops
      (let [per-run (vec (for [_ (range runs)]
                           (into {} (map (fn [k]
                                           (settle! store)
                                           (let [{:keys [n budget-ms]} (plan k)]
                                             [k (time-op (fns k) slots (long n)
                                                         (long (* 1000000 budget-ms)) 3
                                                         (long (per k)))])))
                                 kinds)))]
        (assoc (into {} (map (fn [k] [k (mapv #(get % k) per-run)])) kinds)
               :per per
               :warmup-calls (update-vals warm second)
               :warmup-ns (update-vals warm #(nth % 2)))))))

(defn persisted
  "What the store holds on disk (after pending writes land): {key value}."
  [store]
  ((:persisted store)))

(defn answers
  "What the store answers to a get of each key (for the differential test)."
  [store ks]
  (mapv (:get store) ks))

(defn- nan-free
  "v with every NaN replaced by a marker: NaN is not = to itself, and the value is still the same."
  [v]
  (walk/postwalk #(if (and (instance? Double %) (Double/isNaN %)) ::nan %) v))

(defn consistency
  "[matching present total]: keys of data whose persisted value equals data's, keys present."
  [store data]
  (let [p ((:persisted store))]
    [(count (filter (fn [[k v]] (= (nan-free v) (nan-free (get p k ::missing)))) data))
     (count (filter #(contains? p %) (keys data)))
     (count data)]))

;; ================================================================================================
;; Published-figure decomposition (issue 14 item 5). Owner: the sanity table (bench/sanity.py).
;; The published figures come from Datalevin's benchmarks/write-bench: per KV pair an 8-byte long
;; key (type :id) and a 36-character random UUID string (type :string, no nippy); per Datalog
;; entity {:k long :v uuid-string} under {:k long, :v string}; an empty store with the default
;; flags; sync transact-kv / transact!. Each step below times one condition, warm (an untimed
;; warm-up of the same calls first), in a fresh store of its own, so the gap between our figures
;; and the published ones splits into measured factors (machine, data shape, warm-up).
;; Returns {:ns long[] per timed call, :batch entries per call, plus per-step facts}.

(defn- batch-series
  "Untimed warm-up (run (prep i)) for i = 0.. (up to warmup calls within warmup-ms, at least one),
  then timed (run (prep i)) up to n calls within budget-ms (at least 3): ns per timed run (prep,
  which builds the call's input, is not timed)."
  ^longs [prep run {:keys [n budget-ms warmup warmup-ms]}]
  (let [n (long n)
        out (long-array n)
        wdead (+ (System/nanoTime) (* 1000000 (long warmup-ms)))
        w (long (loop [i 0]
                  (if (and (< i (long warmup)) (or (< i 1) (< (System/nanoTime) wdead)))
                    (do (run (prep i)) (recur (inc i)))
                    i)))
        deadline (+ (System/nanoTime) (* 1000000 (long budget-ms)))
        ^objects sink sink]
    (loop [j 0]
      (if (and (< j n) (or (< j 3) (< (System/nanoTime) deadline)))
        (let [x (prep (+ w j))
              t0 (System/nanoTime)
              r (run x)
              t1 (System/nanoTime)]
          (aset sink 0 r)
          (aset out j (- t1 t0))
          (recur (inc j)))
        (Arrays/copyOf out (int j))))))

(defn- uuid-text ^String [] (str (java.util.UUID/randomUUID)))

(defn- round-prefix
  "r000012.: a prefix that sorts round i's keys after round i-1's, so that each batch adds a new
  key range like the store's first load into an empty store (and like the published benchmark's
  increasing ids), rather than interleaving with every earlier round's keys in the B-tree."
  ^String [^long i]
  (format "r%06d." i))

(defn- fresh-key
  "Keyword k made unique for round i (same shape, 8 characters longer)."
  [k ^long i]
  (keyword (str (round-prefix i) (namespace k)) (name k)))

(defn- fresh-entity
  "Entity ent (and its component records) with every unique attribute's string made unique for
  round i, so that round i's transaction adds new entities instead of upserting round 0's."
  [ent uniq ^long i]
  (let [pre (round-prefix i)]
    (walk/postwalk (fn [x]
                     (if (map? x)
                       (reduce (fn [m a] (let [v (get m a)] (if (string? v) (assoc m a (str pre v)) m)))
                               x uniq)
                       x))
                   ent)))

(defn- chunks
  "The collection in chunks of 1000 as vectors (one chunk per batch, cycled); a last, shorter
  chunk is dropped when there is a full one (every batch the same size), else the one chunk."
  [coll]
  (let [cs (mapv vec (partition-all 1000 coll))]
    (if (and (> (count cs) 1) (< (count (peek cs)) 1000)) (pop cs) cs)))

(defn- serialize-fn []
  ;; Datalevin's own :data encoding (nippy; bits/serialize gives the bytes put-data writes)
  (requiring-resolve 'datalevin.bits/serialize))

(defn- kv-steps
  [^String dir data step plan]
  (let [kv (d/open-kv dir)]
    (try
      (d/open-dbi kv "bench")
      (assoc
       (case step
        :kv-one-published
        {:batch 1
         :ns (batch-series (fn [^long i] [[:put (* 2 i) (uuid-text)]])
                           #(d/transact-kv kv "bench" % :id :string) plan)}
        :kv-batch-published
        {:batch 1000
         :ns (batch-series (fn [^long i] (let [base (* 1000 i)]
                                           (mapv (fn [^long j] [:put (* 2 (+ base j)) (uuid-text)])
                                                 (range 1000))))
                           #(d/transact-kv kv "bench" % :id :string) plan)}
        :kv-batch-ours
        (let [cs (chunks data)
              ser (serialize-fn)
              vs (map val data)]
          {:batch (count (first cs))
           :value-bytes (/ (double (reduce + (map #(alength ^bytes (ser %)) vs))) (count data))
           :ns (batch-series (fn [^long i] (mapv (fn [[k v]] [:put (fresh-key k i) v])
                                                 (nth cs (mod i (count cs)))))
                             #(d/transact-kv kv "bench" % :keyword :data) plan)}))
       :stored (d/entries kv "bench"))
      (finally (d/close-kv kv)))))

(defn- datalog-steps
  [^String dir entities schema step plan]
  (let [pub-schema {:k {:db/valueType :db.type/long} :v {:db/valueType :db.type/string}}
        ents (vec (vals entities))
        conn (d/get-conn dir (if (= step :datalog-ours) schema pub-schema))]
    (try
      (let [cs (chunks ents)
            uniq (set (for [[a props] schema :when (:db/unique props)] a))
            [prep batch] (case step
                           :datalog-published
                           [(fn [^long i] (let [base (* 1000 i)]
                                            (mapv (fn [^long j] {:k (+ base j) :v (uuid-text)})
                                                  (range 1000))))
                            1000]
                           :datalog-blob
                           [(fn [^long i] (let [c (nth cs (mod i (count cs))) base (* 1000 i)]
                                            (vec (map-indexed (fn [^long j e]
                                                                {:k (+ base j) :v (:memory/value e)})
                                                              c))))
                            (count (first cs))]
                           :datalog-ours
                           [(fn [^long i] (mapv #(fresh-entity % uniq i) (nth cs (mod i (count cs)))))
                            (count (first cs))])
            ns (batch-series prep #(d/transact! conn %) plan)
            db (d/db conn)
            entities-in (d/count-datoms db nil (if (= step :datalog-ours) :workbench/key :k) nil)]
        {:batch batch
         :ns ns
         :stored entities-in
         :datoms-per-entity (/ (double (d/count-datoms db nil nil nil)) (max 1 entities-in))
         :value-bytes (/ (double (reduce + (map #(count (.getBytes (str (:memory/value %)) "UTF-8"))
                                                ents)))
                         (max 1 (count ents)))})
      (finally (d/close conn)))))

(defn decompose-step
  "Time one decomposition step in its own fresh store under dir (see the section comment); plan =
  {:n :budget-ms :warmup :warmup-ms}. data: {keyword value} (KV); entities/schema: the Datalog
  store's input. Steps: :fsync, :nippy, :kv-one-published, :kv-batch-published, :kv-batch-ours,
  :datalog-published, :datalog-blob, :datalog-ours."
  [^String dir data entities schema step plan]
  (case step
    :fsync ;; one 4 KB overwrite + FileChannel.force(false) (fdatasync), as an LMDB page sync
    (let [f (File. dir "fsync.bin")
          buf (java.nio.ByteBuffer/allocate 4096)]
      (.mkdirs (File. dir))
      (with-open [raf (java.io.RandomAccessFile. f "rw")]
        (let [ch (.getChannel raf)]
          {:batch 1
           :ns (batch-series (fn [_] nil)
                             (fn [_] (.clear buf) (.write ch buf 0) (.force ch false)) plan)})))
    :nippy ;; Datalevin's :data encoding of our values alone, 1000 per call
    (let [ser (serialize-fn)
          cs (chunks (map val data))]
      {:batch (count (first cs))
       :ns (batch-series (fn [^long i] (nth cs (mod i (count cs))))
                         (fn [vs] (reduce (fn [^long acc v] (+ acc (alength ^bytes (ser v)))) 0 vs))
                         plan)})
    (:kv-one-published :kv-batch-published :kv-batch-ours) (kv-steps dir data step plan)
    (:datalog-published :datalog-blob :datalog-ours) (datalog-steps dir entities schema step plan)))

;; ================================================================================================
;; Rehearsal replay (issue 14 item 6; workbench.bench.jvm_replay): the migration rehearsal's own
;; op sequence, handed over as EDN data, timed op by op against one store. Keep additions for the
;; rehearsal in this section.
;; ================================================================================================

(defn datalog-cacheable
  "A datalevin-datalog store with the ops the replay and `cached` need besides :get and :save:
  :delete (retractEntity by lookup ref; nothing when the key is absent), :write-batch (a batch of
  [op text entity], op :save or :delete, in one transaction) and :load-all ({text value} after a
  reopen)."
  [store]
  (let [conn (:conn store)
        retraction (fn [text] (let [ref [:workbench/key text]]
                                (when (d/entid (d/db (conn)) ref) [[:db/retractEntity ref]])))]
    (assoc store
           :delete (fn [text] (when-let [tx (retraction text)] (d/transact! (conn) tx)))
           :write-batch (fn [ops]
                          (let [tx (into [] (mapcat (fn [[op text ent]]
                                                      (if (= op :save) [ent] (retraction text))))
                                         ops)]
                            (when (seq tx) (d/transact! (conn) tx))))
           :load-all (fn [] ((:startup store)) (datalog-all (d/db (conn)))))))

(defn- replay-op
  "The op [kind key value] as one call on store: :get, :save, :delete, or :update (the app's
  update!: a get, then the save of the new value). Returns what a :get read, else nil."
  [store]
  (let [get-f (:get store) save-f (:save store) delete-f (:delete store)]
    (fn [op]
      (let [kind (nth op 0) k (nth op 1)]
        (case kind
          :get (get-f k)
          :save (do (save-f k (nth op 2)) nil)
          :delete (do (delete-f k) nil)
          :update (do (get-f k) (save-f k (nth op 2)) nil))))))

(defn replay
  "Time each op of `ops` (a vector of [kind key value]; see replay-op) on store, in order, with
  System/nanoTime. First an untimed warm-up on warm-store (a second store of the same kind loaded
  with the same data, so the timed store starts from the state the trace started from; nil = warm
  up on store itself; closed once warm): first up to :warmup-gets of its gets within :warmup-ms
  (the get path needs ~10^5 calls to reach the JIT's steady state), then the sequence from its
  start, over and over, up to :warmup ops within another :warmup-ms. The timed pass stops early only past :budget-ms (nil = none).
  Returns {:ns long[]
  (one per op timed), :answers Object[] (what each :get answered, nil for the other ops),
  :noop-ns long[] (an empty op through the same call, as many: the harness's resolution)}."
  [store warm-store ops {:keys [warmup-gets warmup warmup-ms budget-ms]}]
  (let [^objects arr (object-array ops)
        n (alength arr)
        ^objects gets (object-array (filter #(= :get (nth % 0)) ops))
        g (alength gets)
        warm-on (or warm-store store)
        warm (replay-op warm-on)
        f (replay-op store)
        nothing (fn [_] nil)]
    (let [gets-deadline (+ (System/nanoTime) (* 1000000 (long warmup-ms)))]
      (loop [i 0]
        (when (and (pos? g) (< i (long warmup-gets)) (< (System/nanoTime) gets-deadline))
          (warm (aget gets (rem i g)))
          (recur (inc i)))))
    (let [warm-deadline (+ (System/nanoTime) (* 1000000 (long warmup-ms)))]
      (loop [i 0]
        (when (and (pos? n) (< i (long warmup)) (< (System/nanoTime) warm-deadline))
          (warm (aget arr (rem i n)))
          (recur (inc i)))))
    (settle! warm-on)
    (when warm-store ((:close warm-store)))
    (settle! store)
    (let [out (long-array n)
          answers (object-array n)
          noop (long-array n)
          deadline (if budget-ms (+ (System/nanoTime) (* 1000000 (long budget-ms))) Long/MAX_VALUE)
          timed (loop [i 0]
                  (if (and (< i n) (or (< i 3) (< (System/nanoTime) deadline)))
                    (let [op (aget arr i)
                          t0 (System/nanoTime)
                          r (f op)
                          t1 (System/nanoTime)]
                      (aset answers i r)
                      (aset out i (- t1 t0))
                      (recur (inc i)))
                    i))]
      (dotimes [i timed]
        (let [op (aget arr i)
              t0 (System/nanoTime)
              r (nothing op)
              t1 (System/nanoTime)]
          (aset ^objects sink 0 r)
          (aset noop i (- t1 t0))))
      (settle! store)
      {:ns (Arrays/copyOf out (int timed))
       :answers (Arrays/copyOf answers (int timed))
       :noop-ns (Arrays/copyOf noop (int timed))})))

(defn app-keyed
  "A store addressed by key text and entity (the Datalog store) made addressable like the app's
  atom, by key and value, so `cached` can front it holding the app's values: texts {key text};
  entities [[key value entity] ...] for every value the replay writes (built in Python by the
  store's mapping; a function of key and value, looked up by equality, NaN-proof)."
  [store texts entities]
  (let [text (fn [k] (get texts k))
        by-kv (into {} (map (fn [[k v e]] [(nan-free [k v]) e])) entities)
        ent (fn [k v] (get by-kv (nan-free [k v])))]
    (assoc store
           :get (fn [k] ((:get store) (text k)))
           :save (fn [k v] ((:save store) (text k) (ent k v)))
           :delete (fn [k] ((:delete store) (text k)))
           :write-batch (fn [ops] ((:write-batch store)
                                   (mapv (fn [[op k v]] [op (text k) (when (= op :save) (ent k v))])
                                         ops))))))
