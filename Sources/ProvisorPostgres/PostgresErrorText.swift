import Foundation
import Logging
import PostgresNIO
import ProvisorCore

/// Turns postgres-nio's errors (which describe themselves only generically) into a reason a
/// person can act on, without the password.
enum PostgresErrorText {
    static func reason(_ error: any Error, location: PostgresLocation) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo, let message = info[.message] {
            let detail = info[.detail].map { " (\($0))" } ?? ""
            let hint = info[.hint].map { "; \($0)" } ?? ""
            return message + detail + hint
        }
        let address = "\(location.host):\(location.port)"
        switch error.code {
        case .connectionError where "\(error.underlying.map { "\($0)" } ?? "")".contains("CERTIFICATE_VERIFY_FAILED"):
            let roots = location.rootCertificate.map { "the authority in sslrootcert \($0)" } ?? "the system's certificate authorities (set sslrootcert)"
            return "the server's TLS certificate at \(address) was not accepted under sslmode=\(location.tls.rawValue): it is not signed by \(roots)"
                + (location.tls == .verifyFull ? ", or it does not name \(location.host)" : "")
        case .connectionError:
            return "cannot connect to \(address): \(error.underlying.map { "\($0)" } ?? "no answer") (is the server running, and is the address right?)"
        case .sslUnsupported:
            return
                "the server at \(address) does not offer TLS, which sslmode=\(location.tls.rawValue) requires (use sslmode=prefer or disable, or enable ssl on the server)"
        case .failedToAddSSLHandler:
            return "cannot set up TLS to \(address): \(error.underlying.map { "\($0)" } ?? "unknown reason")"
        case .authMechanismRequiresPassword:
            return
                "the server asks for a password and none was given (put it in the URL held by the environment variable, in PGPASSWORD, or in password: in provisor.yaml)"
        case .unsupportedAuthMechanism:
            return "the server asks for an authentication method Provisor does not support (use scram-sha-256, md5 or password)"
        case .serverClosedConnection, .uncleanShutdown:
            return "the server at \(address) closed the connection\(error.underlying.map { ": \($0)" } ?? "") (was the session ended, or the server restarted?)"
        default:
            return "\(error.code)\(error.underlying.map { ": \($0)" } ?? "")"
        }
    }
}
