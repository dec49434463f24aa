import Foundation

/// Makes `count` results on every core and hands them to `take` in order (0, 1, 2, …), one at
/// a time: whoever finishes the result due next takes it, and any finished after it, while the
/// other cores go on making, so no core waits for another's slow task or for the taking. Tasks
/// start in order, so only a few finished results wait in memory.
func makeInOrder<Result>(_ count: Int, make: @Sendable (Int) -> Result, take: (Result) -> Void) {
    withoutActuallyEscaping(take) { take in
        let state = InOrderState(count: count, take: take)
        DispatchQueue.concurrentPerform(iterations: count) { k in state.finished(k, make(k)) }
    }
}

/// The results of `makeInOrder` finished but not taken yet.
private final class InOrderState<Result>: @unchecked Sendable {   // guarded by `lock`
    private let lock = NSLock()
    private var waiting: [Result?]
    private var next = 0              // the result to take next
    private var taking = false        // a thread is taking (it takes what others finish meanwhile)
    private let take: (Result) -> Void

    init(count: Int, take: @escaping (Result) -> Void) {
        waiting = Array(repeating: nil, count: count)
        self.take = take
    }

    func finished(_ k: Int, _ result: Result) {
        lock.lock()
        waiting[k] = result
        guard !taking else { lock.unlock(); return }
        taking = true
        // Takes in order, outside the lock; what is finished meanwhile is seen on return.
        while next < waiting.count, let ready = waiting[next] {
            waiting[next] = nil
            next += 1
            lock.unlock()
            take(ready)
            lock.lock()
        }
        taking = false
        lock.unlock()
    }
}

/// A value that one thread replaces while others read it (the tables a model has merged so far,
/// read by the cores counting the next runs).
final class Shared<Value>: @unchecked Sendable {   // guarded by `lock`
    private let lock = NSLock()
    private var current: Value

    init(_ value: Value) { current = value }

    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return current }
        set { lock.lock(); current = newValue; lock.unlock() }
    }
}
