import CZlib
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A compressor of one layer's tar stream. `write` takes the stream in order; compressed bytes
/// reach the `emit` closure given at creation, in order, on the calling thread.
protocol StreamCompressor: AnyObject {
    func write(_ p: UnsafeRawBufferPointer) throws
    /// The same as `write`, for an array the compressor may keep instead of copying.
    func write(owned piece: [UInt8]) throws
    func finish() throws
}

extension StreamCompressor {
    func write(owned piece: [UInt8]) throws { try piece.withUnsafeBytes { try write($0) } }
}

/// pigz-style gzip on dedicated threads: the input is cut into fixed 128 KiB blocks by offset,
/// each block is raw-deflated with the previous block's last 32 KiB as its dictionary and ends in
/// a sync flush (the last one in Z_FINISH), and the blocks are joined under one gzip header with
/// the combined CRC-32 and ISIZE trailer. Block boundaries and dictionaries depend only on input
/// offsets, so the bytes are the same whatever the number of workers or their timing.
final class ParallelGzip: StreamCompressor {
    static let blockSize = 128 << 10
    static let dictionarySize = 32 << 10

    private let level: Int32
    private let emit: (UnsafeRawBufferPointer) throws -> Void
    private let pool: BlockPool
    private var current: ArraySlice<UInt8> = []
    private var previous: ArraySlice<UInt8> = []
    private var crc: uLong = crc32(0, nil, 0)
    private var total: UInt64 = 0
    private var headerWritten = false

    init(level: Int, workers: Int, emit: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.level = Int32(level)
        self.emit = emit
        pool = BlockPool(workers: max(1, workers))
        current.reserveCapacity(Self.blockSize)
    }

    deinit { pool.shutdown() }

    func write(_ p: UnsafeRawBufferPointer) throws {
        var rest = p.bindMemory(to: UInt8.self)[...]
        while !rest.isEmpty {
            // A full block goes out only when more input follows, so the last block (Z_FINISH)
            // is never an empty one after a full one: the cut depends on offsets alone.
            if current.count == Self.blockSize { try submit(last: false) }
            if current.isEmpty { current.reserveCapacity(Self.blockSize) }
            let n = min(Self.blockSize - current.count, rest.count)
            current.append(contentsOf: UnsafeBufferPointer(rebasing: rest.prefix(n)))
            rest = rest.dropFirst(n)
        }
        total &+= UInt64(p.count)
    }

    /// Whole blocks are taken as slices of `piece` (no copy) while the stream is on a block
    /// boundary; anything else goes through `write`. The cut is the same either way.
    func write(owned piece: [UInt8]) throws {
        var rest = piece[...]
        while rest.count > 0, current.isEmpty || current.count == Self.blockSize {
            if current.count == Self.blockSize { try submit(last: false) }
            let n = min(Self.blockSize, rest.count)
            current = rest.prefix(n)
            rest = rest.dropFirst(n)
            total &+= UInt64(n)
        }
        if !rest.isEmpty { try rest.withUnsafeBytes { try write($0) } }
    }

    func finish() throws {
        try submit(last: true)
        try drain(below: 1)
        var trailer = [UInt8](repeating: 0, count: 8)
        for i in 0..<4 {
            trailer[i] = UInt8(truncatingIfNeeded: UInt32(truncatingIfNeeded: crc) >> (8 * i))
            trailer[4 + i] = UInt8(truncatingIfNeeded: UInt32(truncatingIfNeeded: total) >> (8 * i))
        }
        try trailer.withUnsafeBytes { try emit($0) }
        pool.shutdown()
    }

    private func submit(last: Bool) throws {
        if !headerWritten {
            // mtime 0, no name; XFL and OS as zlib writes them (OS 3: Unix).
            let xfl: UInt8 = level == 9 ? 2 : (level < 2 ? 4 : 0)
            let header: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]
            try header.withUnsafeBytes { try emit($0) }
            headerWritten = true
        }
        // The previous block itself (shared, not copied); the job primes with its last 32 KiB.
        let job = BlockJob(input: current, previous: previous, last: last, level: level)
        previous = current
        current = []
        pool.enqueue(job)
        try drain(below: pool.maxInFlight)
    }

    /// Emits finished blocks in order, waiting until fewer than `limit` are in flight.
    private func drain(below limit: Int) throws {
        while true {
            let (ready, left) = pool.takeFinished(waitingUntilBelow: limit)
            for job in ready {
                if let err = job.error { throw ImageError("zlib: deflate failed (\(err))") }
                try job.output.withUnsafeBytes { try emit($0) }
                crc = crc32_combine(crc, job.crc, off_t(job.input.count))
            }
            if left < limit { return }
        }
    }
}

/// One block's work and result. The result fields are written by a worker before it marks the
/// job done under the pool's lock, and read after.
final class BlockJob: @unchecked Sendable {
    let input: ArraySlice<UInt8>
    /// The block before this one; its last `dictionarySize` bytes are the dictionary.
    let previous: ArraySlice<UInt8>
    let last: Bool
    let level: Int32
    var output: [UInt8] = []
    var crc: uLong = 0
    var error: Int32?
    var done = false

    init(input: ArraySlice<UInt8>, previous: ArraySlice<UInt8>, last: Bool, level: Int32) {
        self.input = input
        self.previous = previous
        self.last = last
        self.level = level
    }

    /// Compresses with the worker's stream `z`: initialised on first use, reset (the same as a
    /// fresh one, without the allocations) for each later block; into the worker's `scratch`
    /// (grown when short), then copied out at its compressed size.
    func run(_ z: inout z_stream, initialised: inout Bool, scratch: inout UnsafeMutableRawBufferPointer) {
        crc = input.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        if initialised {
            guard deflateReset(&z) == Z_OK else { error = Z_STREAM_ERROR; return }
        } else {
            guard ogf_deflate_init_raw(&z, level) == Z_OK else { error = Z_STREAM_ERROR; return }
            initialised = true
        }
        if !previous.isEmpty {
            let rc = previous.withUnsafeBufferPointer { p in
                let n = min(p.count, ParallelGzip.dictionarySize)
                return deflateSetDictionary(&z, p.baseAddress! + (p.count - n), uInt(n))
            }
            guard rc == Z_OK else { error = rc; return }
        }
        // Room for the block, the sync marker and slack; grows in the rare case it is short.
        let bound = Int(deflateBound(&z, uLong(input.count))) + 64
        if scratch.count < bound { Self.grow(&scratch, to: bound) }
        var used = 0
        input.withUnsafeBufferPointer { inp in
            z.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
            z.avail_in = uInt(inp.count)
            while true {
                z.next_out = scratch.baseAddress!.assumingMemoryBound(to: UInt8.self) + used
                z.avail_out = uInt(scratch.count - used)
                let rc = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH)
                used = scratch.count - Int(z.avail_out)
                if last ? rc == Z_STREAM_END : (rc == Z_OK && z.avail_out > 0) { break }
                guard rc == Z_OK || rc == Z_BUF_ERROR else { error = rc; return }
                Self.grow(&scratch, to: scratch.count * 2)
            }
        }
        output = Array(UnsafeRawBufferPointer(rebasing: scratch[0..<used]))
    }

    /// A larger scratch buffer with the old one's bytes.
    static func grow(_ scratch: inout UnsafeMutableRawBufferPointer, to size: Int) {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        if scratch.count > 0 { bigger.copyMemory(from: UnsafeRawBufferPointer(scratch)) }
        scratch.deallocate()
        scratch = bigger
    }
}

/// Worker threads of their own (compression blocks; it must not sit on Swift's cooperative pool)
/// with a FIFO of jobs, and the in-flight list in submission order.
final class BlockPool: @unchecked Sendable {
    let maxInFlight: Int
    private let cond = NSCondition()
    private var queue: [BlockJob] = []
    private var queueHead = 0
    private var inFlight: [BlockJob] = []
    private var stopping = false
    private let exited = DispatchSemaphore(value: 0)
    private let workers: Int
    private var stopped = false

    init(workers: Int) {
        self.workers = workers
        // 16 blocks a worker (2 MiB of tar each, ~6 MiB in all): the feeding thread waits for
        // the oldest block, so a shallow queue stalls every worker whenever that block's worker
        // or the feeder is descheduled. With 4, a cold build on two cores shared with other
        // work ran 1.43x and 1.69x of pigz's time; with 16, 1.04x and 1.13x (docs/benchmarks.md).
        maxInFlight = workers * 16
        for i in 0..<workers {
            let t = Thread { [self] in work() }
            t.name = "ogf-deflate-\(i)"
            t.start()
        }
    }

    func enqueue(_ job: BlockJob) {
        cond.lock()
        queue.append(job)
        inFlight.append(job)
        cond.broadcast()
        cond.unlock()
    }

    /// The finished jobs at the head of the in-flight list (waiting for the first one while
    /// `limit` or more are in flight), and how many remain.
    func takeFinished(waitingUntilBelow limit: Int) -> ([BlockJob], Int) {
        cond.lock()
        defer { cond.unlock() }
        while inFlight.count >= limit, let first = inFlight.first, !first.done { cond.wait() }
        var k = 0
        while k < inFlight.count, inFlight[k].done { k += 1 }
        let ready = Array(inFlight[..<k])
        inFlight.removeFirst(k)
        return (ready, inFlight.count)
    }

    private func work() {
        var z = z_stream()
        var initialised = false
        var scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 0, alignment: 16)
        defer { scratch.deallocate() }
        while true {
            cond.lock()
            while queueHead == queue.count, !stopping { cond.wait() }
            if queueHead == queue.count { cond.unlock(); break }
            let job = queue[queueHead]
            queueHead += 1
            if queueHead > 256 { queue.removeFirst(queueHead); queueHead = 0 }
            cond.unlock()
            job.run(&z, initialised: &initialised, scratch: &scratch)
            cond.lock()
            job.done = true
            cond.broadcast()
            cond.unlock()
        }
        if initialised { deflateEnd(&z) }
        exited.signal()
    }

    /// Stops the workers once the queue is empty and waits for them; idempotent.
    func shutdown() {
        cond.lock()
        if stopped { cond.unlock(); return }
        stopped = true
        stopping = true
        cond.broadcast()
        cond.unlock()
        for _ in 0..<workers { exited.wait() }
    }
}

/// The number of cores this process may run on: its CPU affinity (so `taskset -c 0` gives 1),
/// read from /proc because Glibc's sched_getaffinity is hidden from Swift and Foundation's
/// activeProcessorCount ignores the affinity.
func availableCores() -> Int {
    let fallback = max(1, ProcessInfo.processInfo.activeProcessorCount)
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return fallback }
    let n = line.dropFirst("Cpus_allowed:".count).reduce(0) { $0 + ($1.hexDigitValue?.nonzeroBitCount ?? 0) }
    return n > 0 ? min(n, fallback) : fallback
}
