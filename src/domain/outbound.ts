// What can be sent to a customer. Shared by the actors (which store replies) and the outbound adapters (which send).
export type OutboundContent =
  | { type: 'text'; text: string }
  /** WhatsApp template (the only thing allowed outside the 24-hour customer-service window). */
  | { type: 'template'; name: string; language: string; parameters: string[] }
  | {
      type: 'media';
      mediaKind: 'image' | 'audio' | 'video' | 'document';
      url: string;
      caption?: string;
      fileName?: string;
    };
