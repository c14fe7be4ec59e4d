;; The workbench's JVM benchmark engine: the app's stores, timed inside the JVM with System/nanoTime.
;; Loaded by workbench.bench.jvm through the Datalevin bridge (clojure.core/load-string).
(ns workbench.bench.harness
  (:require [clojure.edn :as edn]
            [datalevin.core :as d])
  (:import [java.io File FileOutputStream]
           [java.nio.file Files StandardCopyOption CopyOption]))

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
  durable? true: the save returns once the whole file is written, fsynced and renamed."
  [path data durable?]
  (let [state (atom data)
        pending (atom nil)
        flush! (fn [] (if durable?
                        (write-durable! path (pr-str @state))
                        (spit path (pr-str @state))))
        schedule! (fn []
                    (when-let [f @pending] (future-cancel f))
                    (reset! pending (future (Thread/sleep 100) (flush!))))]
    (flush!)
    {:get (fn [k] (get @state k))
     :save (fn [k v] (swap! state assoc k v) (if durable? (flush!) (schedule!)))
     :delete (fn [k] (swap! state dissoc k) (if durable? (flush!) (schedule!)))
     :startup (fn [] (count (edn/read-string (slurp path))))
     :close (fn [] (when-let [f @pending] (deref f 1000 nil)))}))

(defn datalevin-kv
  "Datalevin KV: one DBI, keyword keys, :data values; opts nil = Datalevin's default flags."
  [path data opts]
  (let [kv (if opts (d/open-kv path opts) (d/open-kv path))]
    (d/open-dbi kv "memory")
    (doseq [batch (partition-all 1000 data)]
      (d/transact-kv kv (mapv (fn [[k v]] [:put "memory" k v :keyword :data]) batch)))
    {:get (fn [k] (d/get-value kv "memory" k :keyword :data))
     :save (fn [k v] (d/transact-kv kv [[:put "memory" k v :keyword :data]]))
     :delete (fn [k] (d/transact-kv kv [[:del "memory" k :keyword]]))
     :startup nil ; reopening the same env in one process is refused: not measured yet
     :close (fn [] (d/close-kv kv))}))

(defn cached
  "The app's atom in front of a store: reads from the atom; :write-through transacts before the save
  returns, :write-behind queues it and a background loop writes the queue every 100 ms."
  [inner data policy]
  (let [state (atom data)
        queue (atom [])
        running (atom true)
        drain! (fn [] (let [[q _] (reset-vals! queue [])]
                        (doseq [[op k v] q] (if (= op :save) ((:save inner) k v) ((:delete inner) k)))))
        loop-f (when (= policy :write-behind)
                 (future (while @running (Thread/sleep 100) (drain!))))]
    {:get (fn [k] (get @state k))
     :save (fn [k v] (swap! state assoc k v)
             (if loop-f (swap! queue conj [:save k v]) ((:save inner) k v)))
     :delete (fn [k] (swap! state dissoc k)
               (if loop-f (swap! queue conj [:delete k nil]) ((:delete inner) k)))
     :startup (:startup inner)
     :close (fn [] (reset! running false) (when loop-f (deref loop-f 1000 nil)) (drain!)
              ((:close inner)))}))

(defn- call-op [store [kind k v]]
  (case kind
    :noop nil
    :get ((:get store) k)
    :save ((:save store) k v)
    :delete ((:delete store) k)
    :startup ((:startup store))))

(defn run-ops
  "Run ops (a vector of [kind key value]) `warmup` times untimed, then once timed.
  Returns {kind [ns ...]}: one sample per op of the timed round."
  [store ops warmup]
  (dotimes [_ warmup] (doseq [op ops] (when-not (and (= :startup (first op)) (nil? (:startup store))) (call-op store op))))
  (persistent!
   (reduce (fn [acc op]
             (if (and (= :startup (first op)) (nil? (:startup store)))
               acc
             (let [t0 (System/nanoTime)
                   _ (call-op store op)
                   t1 (System/nanoTime)
                   kind (first op)]
               (assoc! acc kind (conj (get acc kind []) (- t1 t0))))))
           (transient {}) ops)))

(defn answers
  "What the store answers to a get of each key (for the differential test)."
  [store ks]
  (mapv (:get store) ks))
