// The pieces every Create Order definition is built from: the functions that build each command
// from the saga data, and the reply handlers that copy what a reply brings back into it. The
// book's saga (book_create_order_definition), the example's version 2 (create_order_definition),
// the workshop's exercises and the tests' variants all use these.
#pragma once

#include "ftgo/messages.h"

namespace ftgo {

// Commands, from the saga data.
RejectOrder make_reject_order(const CreateOrderData& d);
ValidateOrderByConsumer make_validate_order(const CreateOrderData& d);
CreateTicket make_create_ticket(const CreateOrderData& d);
CancelCreateTicket make_cancel_ticket(const CreateOrderData& d);
AuthorizeCard make_authorize_card(const CreateOrderData& d);
ConfirmCreateTicket make_confirm_ticket(const CreateOrderData& d);
ApproveOrder make_approve_order(const CreateOrderData& d);

// Replies, into the saga data: the ticket id, the transaction id, or the reason for the order's
// rejection (failure replies are handled by type, like success replies).
void on_ticket_created(CreateOrderData& d, const TicketCreated& r);
void on_ticket_rejected(CreateOrderData& d, const TicketRejected& r);
void on_card_authorized(CreateOrderData& d, const CardAuthorized& r);
void on_card_declined(CreateOrderData& d, const CardDeclined& r);

}  // namespace ftgo
