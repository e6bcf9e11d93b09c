import Foundation
import ProvisorAMQP

extension ExecEngine {
    /// Serves Provisor's messages from a RabbitMQ queue instead of standard input: each message's
    /// lines are answered as on standard input, the answer lines published (confirmed) to its
    /// `reply_to` with its id as the correlation id, and only then is the message acknowledged.
    /// A consumer that dies after acting and before answering gets the message again, marked
    /// redelivered, and answers it from `answered` without acting again. A lost broker is
    /// reconnected to every `retry` seconds; `stop` ends the loop.
    public func serve(amqp address: AMQPAddress, queue: String, retry: Double = 1, stop: () -> Bool = { false }) {
        while !stop() {
            do {
                let consumer = try AMQPConnection(address)
                try consumer.declare(queue)
                try consumer.consume(queue, prefetch: 32)
                let publisher = try AMQPConnection(address)
                try publisher.confirm()
                log("serving queue \(queue) on \(address.description)")
                while !stop() {
                    guard let delivery = try consumer.next(timeout: 1) else { continue }
                    var answer = ""
                    for line in delivery.body.split(separator: "\n") { self.answer(String(line)) { answer += $0 } }
                    if let replyTo = delivery.replyTo, !replyTo.isEmpty {
                        do { try publisher.publish(answer, to: replyTo, correlationID: delivery.correlationID ?? delivery.messageID) } catch
                            where "\(error)".contains("no such queue")
                        {
                            // A read's private reply queue, whose run has ended: nobody to answer.
                            // (Changes are answered on the engine's durable reply queue.)
                            log("the answer to \(delivery.messageID ?? "a message") has nobody to go to: \(error)")
                        }
                    }
                    try consumer.acknowledge(delivery)
                }
            } catch {
                log("\(error); connecting again in \(retry) s")
                Thread.sleep(forTimeInterval: retry)
            }
        }
    }
}
