import Foundation

/// Model files read in the background from the first moment of a command that loads them all
/// (`rhetor classify`, the REPL), while the command line is still being parsed: parsing takes a
/// sixth of start-up, on one core, before the catalog reads the first model. The catalog takes
/// what was read ahead for the paths it wants: a file still being read is waited for, one not
/// started yet is read there and then. A file that fails to read is left to the catalog, which
/// reads it again and reports the error.
public final class ModelReadAhead: @unchecked Sendable {   // its state is guarded by `lock`
    /// Set once, before anything reads it (at the start of `main`).
    nonisolated(unsafe) static var current: ModelReadAhead?

    private let lock = NSCondition()
    private var pending: [String]                  // paths not started yet, the largest first
    private var reading: Set<String> = []
    private var read: [String: PluginModel?] = [:]  // nil: reading failed

    init(paths: [String]) { pending = paths }

    /// Starts reading every model file in `modelsDir`, on a thread of its own.
    public static func start(modelsDir: String) {
        let ahead = ModelReadAhead(paths: Catalog.modelFiles(modelsDir))
        current = ahead
        Thread { ahead.readAll() }.start()
    }

    /// Reads the paths not taken yet, in order.
    func readAll() {
        while let path = claim() { finish(path, try? PluginModel.load(path: path)) }
    }

    private func claim() -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard !pending.isEmpty else { return nil }
        let path = pending.removeFirst()
        reading.insert(path)
        return path
    }

    private func finish(_ path: String, _ model: PluginModel?) {
        lock.lock()
        reading.remove(path)
        read[path] = model
        lock.broadcast()
        lock.unlock()
    }

    /// The model at `path`, as `try? PluginModel.load(path:)` gives it: read ahead, or being
    /// read (waited for), or read now.
    func take(_ path: String) -> PluginModel? {
        lock.lock()
        if let k = pending.firstIndex(of: path) {
            pending.remove(at: k)
            lock.unlock()
            return try? PluginModel.load(path: path)
        }
        while reading.contains(path) { lock.wait() }
        let ahead = read.removeValue(forKey: path)
        lock.unlock()
        if let ahead { return ahead }
        return try? PluginModel.load(path: path)     // not in the folder when reading began
    }
}
